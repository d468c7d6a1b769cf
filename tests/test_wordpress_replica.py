"""The WordPress republisher replica: the seed page rebuilt, the site's routes, its ground truth."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html
from parsel import Selector

from newsbot.discovery import announced_feeds, feed_entries, parse_sitemap
from newsbot.replica import expected_records as rt_expected_records
from newsbot.replica.content import article_model
from newsbot.replica.feed import load_feed
from newsbot.replica.wordpress import HOME, WordPressSite, copy_of, expected_records, seed_post

SEED_TEXT = Path(__file__).parent / "sites" / "wordpress" / "seed-page.txt"
# What a reader's copy of a page leaves out: site header, sidebar, footer, form controls.
NOT_READ = {"script", "style", "noscript", "template", "input", "textarea", "select", "button", "label"}
CHROME = ("theme-header", "footer")
BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "li", "ul", "header",
          "article", "nav", "form", "aside", "footer", "section", "main", "br"}


def reader_lines(page: bytes) -> list[str]:
    """The page's text as a reader copies it (the seed is such a copy): block by block, images as
    their alt text, hidden elements, form controls, header, sidebar and footer left out."""
    lines: list[str] = [""]

    def walk(element) -> None:
        for child in element:
            if isinstance(child.tag, str) and not _skipped(child):
                if child.tag in BLOCKS:
                    lines.append("")
                if child.tag == "img":
                    lines[-1] += child.get("alt", "")
                lines[-1] += re.sub(r"[ \t\r\n]+", " ", child.text or "")
                walk(child)
                if child.tag in BLOCKS:
                    lines.append("")
            lines[-1] += re.sub(r"[ \t\r\n]+", " ", child.tail or "")

    walk(html.fromstring(page).find("body"))
    return [line.strip(" ") for line in lines if line.strip(" ")]


def _skipped(element) -> bool:
    return (element.tag in NOT_READ or element.get("id") in CHROME or element.tag == "aside"
            or "display:none" in (element.get("style") or "").replace(" ", ""))


@pytest.fixture(scope="module")
def site() -> WordPressSite:
    return WordPressSite.from_replica()


def get(site: WordPressSite, path: str) -> bytes:
    status, content_type, body = site.get(path)
    assert status == 200, path
    return body


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_seed_page_reads_exactly_as_the_seed(site):
    page = get(site, seed_post().path)
    seed = [line for line in SEED_TEXT.read_text("utf-8").split("\n") if line.strip()]
    assert reader_lines(page) == seed


def test_seed_page_has_the_reference_markup(site):
    tree = html.fromstring(get(site, seed_post().path))
    assert tree.cssselect("h5.post-cat-wrap a")[0].text == "Russia & FSU"
    assert tree.cssselect("h1.post-title.entry-title")[0].text == seed_post().headline
    assert tree.cssselect("figure.single-featured-image img")[0].get("alt") == seed_post().headline
    assert tree.cssselect("figcaption.single-caption-text")
    assert tree.cssselect("article#the-post .entry-content")
    assert tree.cssselect("#respond.comment-respond") and tree.cssselect("a#go-to-top > span.screen-reader-text")
    assert tree.cssselect("#arcontactus") and "callbackHeader" in tree.xpath("string(//script[@id='arcontactus-init'])")
    source = tree.xpath("//div[contains(@class, 'entry-content')]/p[a[text()='Source']]/a")[0]
    assert (source.get("rel"), source.get("target")) == ("nofollow", "_blank")
    assert source.get("href").endswith("?utm_source=rss&utm_medium=rss&utm_campaign=RSS")
    assert tree.xpath("//meta[@name='generator']/@content")[0].startswith("WordPress")


def test_copies_carry_the_scripts_quirks(site):
    article = next(a for a in load_feed() if a.id == 608821)
    post = copy_of(article, site.category_posts("russia-fsu")[0].category)
    tree = html.fromstring(get(site, post.path))
    assert tree.cssselect("h2.entry-sub-title")[0].text == post.lead + post.headline
    teaser = article_model(article).related[0][1]
    content = [p.text_content() for p in tree.cssselect(".entry-content > p")]
    start = content.index(teaser)
    assert content[start:start + 3] == [teaser, teaser, "Read more" + teaser]
    assert tree.cssselect("#related-posts") and tree.cssselect(".share-buttons")  # not on the seed's post
    assert tree.cssselect(".post-bottom-meta .tagcloud a[rel=tag]")


def test_category_pages_paginate_three_ways(site):
    posts = site.category_posts("russia-fsu")
    assert len(posts) == 17 and posts[0] == seed_post()
    first = html.fromstring(get(site, "/category/russia-fsu/"))
    assert first.xpath("//link[@rel='next']/@href") == [HOME + "category/russia-fsu/page/2/"]
    assert first.cssselect("li.the-next-page a")[0].get("href") == HOME + "category/russia-fsu/page/2/"
    listed = []
    for number in (1, 2, 3):
        tree = html.fromstring(get(site, f"/category/russia-fsu/{f'page/{number}/' if number > 1 else ''}"))
        listed += [a.get("href") for a in tree.cssselect("#posts-container h2.post-title a")]
    assert listed == [post.url for post in posts]
    assert not html.fromstring(get(site, "/category/russia-fsu/page/3/")).xpath("//link[@rel='next']")
    assert site.get("/category/russia-fsu/page/4/")[0] == 404
    home = html.fromstring(get(site, "/"))
    assert home.xpath("//a[contains(., 'Предыдущие записи')]/@href") == [HOME + "page/2/"]


def test_sidebar_lists_other_categories(site):
    tree = html.fromstring(get(site, "/category/russia-fsu/"))
    recent = tree.cssselect("aside.sidebar .widget_recent_entries a")
    world = {post.url for post in site.category_posts("world")}
    assert any(a.get("href") in world for a in recent)


def test_feeds_sitemaps_robots_and_not_found(site):
    category_page = Selector(text=get(site, "/category/russia-fsu/").decode())
    feeds = announced_feeds(category_page, HOME + "category/russia-fsu/")
    assert feeds == [HOME + "feed/", HOME + "category/russia-fsu/feed/"]
    body = get(site, "/category/russia-fsu/feed/")
    assert f'<guid isPermaLink="false">{HOME}?p={seed_post().post_id}</guid>'.encode() in body
    entries = feed_entries(body)
    assert [entry.url for entry in entries] == [post.url for post in site.category_posts("russia-fsu")[:10]]
    assert len(feed_entries(get(site, "/feed/"))) == 10
    robots = get(site, "/robots.txt")
    assert b"Disallow: /wp-admin/" in robots and f"Sitemap: {HOME}wp-sitemap.xml".encode() in robots
    index = parse_sitemap(get(site, "/wp-sitemap.xml"))
    posts = parse_sitemap(get(site, path_of(index.sitemaps[0])))
    assert [entry.url for entry in posts.entries] == [post.url for post in site.posts]
    status, _, body = site.get("/2024/01/01/no-such-post/")
    assert status == 404 and "Ой! Эта страница не найдена.".encode() in body


def test_truth_of_copies_is_the_rt_truth(site):
    rt_truth = {record["canonical_url"]: record for record in rt_expected_records(load_feed())}
    records = expected_records(site)
    assert len(records) == 17
    for record in records:
        if record["source_url"] == seed_post().source_url:
            continue
        original = rt_truth[record["source_url"]]
        for field in ("headline", "summary", "body", "tags", "related"):
            assert record[field] == original[field], (record["canonical_url"], field)
        assert (record["image"]["caption"], record["image"]["credit"]) == \
            (original["image"]["caption"], original["image"]["credit"])
        assert record["published_at"] > original["published_at"]


def test_seed_truth_comes_from_its_data():
    record = expected_records(WordPressSite([seed_post()]))[0]
    assert record["headline"] == "Russia urges India and Pakistan to exercise restraint"
    assert record["summary"].endswith("terrorist facilities across the border")
    assert record["image"]["credit"] == "Nasir Kachroo / NurPhoto via Getty Images"
    assert record["related"][0]["headline"] == "India-Pakistan standoff deepens after Kashmir attack: Key developments"
    assert len(record["body"].split("\n\n")) == 9  # the lead and eight paragraphs


def test_site_grows_and_refuses_a_second_post_at_one_path():
    articles = [a for a in load_feed() if a.section == "russia"]
    site = WordPressSite.from_replica(articles[:4], seed=False)
    assert len(site.posts) == 2
    site.add(copy_of(articles[5], site.posts[0].category))
    assert len(site.category_posts("russia-fsu")) == 3
    with pytest.raises(ValueError):
        site.add(site.posts[0])
