"""Discovery sources as pure functions, on the generic replica's pages and on hostile input:
announced feeds, robots.txt sitemaps, sitemap indexes and news sitemaps, article links, pagination."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st
from parsel import Selector

from newsbot.discovery import (
    ARTICLE_SCORE,
    Link,
    announced_feeds,
    article_links,
    feed_entries,
    link_score,
    parse_sitemap,
    robots_sitemaps,
)
from newsbot.listing import next_page_url
from newsbot.replica.generic_site import PUBLIC, GenericNewsSite, article_path, article_url

SECTION = "russia"


@pytest.fixture(scope="module")
def site() -> GenericNewsSite:
    return GenericNewsSite.from_feed()


def body(site: GenericNewsSite, path: str) -> bytes:
    status, _, content = site.get(path)
    assert status == 200, path
    return content


def page(site: GenericNewsSite, path: str) -> Selector:
    return Selector(text=body(site, path).decode("utf-8"))


# --- feeds announced by a page -----------------------------------------------------------

def test_section_page_announces_its_feed_and_the_sites(site):
    assert announced_feeds(page(site, f"/{SECTION}/"), f"{PUBLIC}/{SECTION}/") == [
        f"{PUBLIC}/feed.xml", f"{PUBLIC}/{SECTION}/feed.xml"]


def test_announced_feeds_are_absolute_and_leave_out_comments_and_other_types():
    html = """<html><head>
    <link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">
    <link rel="alternate" type="application/rss+xml" title="Comments Feed" href="/comments/feed/">
    <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
    <link rel="stylesheet" type="application/rss+xml" href="/not-a-feed.xml">
    </head><body></body></html>"""
    assert announced_feeds(Selector(text=html), "https://example.org/world/") == [
        "https://example.org/feed/", "https://example.org/world/atom.xml"]


def test_feed_entries_of_the_section_feed_use_the_clean_guid(site):
    entries = feed_entries(body(site, f"/{SECTION}/feed.xml"))
    newest = site.section_articles(SECTION)[:10]
    assert [entry.url for entry in entries] == [article_url(article) for article in newest]
    assert entries[0].published == newest[0].published and entries[0].title == newest[0].headline


# --- robots.txt and sitemaps --------------------------------------------------------------

def test_robots_txt_lists_the_sitemap_index(site):
    assert robots_sitemaps(body(site, "/robots.txt"), f"{PUBLIC}/robots.txt") == [f"{PUBLIC}/sitemap.xml"]


def test_robots_sitemap_lines_any_case_relative_and_once():
    robots = b"User-agent: *\nDisallow: /search\nSITEMAP: /news.xml\nsitemap:https://x.org/a.xml\nSitemap: /news.xml\n"
    assert robots_sitemaps(robots, "https://x.org/robots.txt") == ["https://x.org/news.xml", "https://x.org/a.xml"]
    assert robots_sitemaps(b"User-agent: *\nAllow: /\n", "https://x.org/robots.txt") == []


def test_sitemap_index_lists_its_sitemaps(site):
    assert parse_sitemap(body(site, "/sitemap.xml")).sitemaps == (
        f"{PUBLIC}/sitemap-news.xml", f"{PUBLIC}/sitemap-archive.xml")


def test_news_sitemap_keeps_the_news_fields(site):
    sitemap = parse_sitemap(body(site, "/sitemap-news.xml"))
    recent = site.news_sitemap_articles()
    assert [entry.url for entry in sitemap.entries] == [article_url(article) for article in recent]
    first = sitemap.entries[0]
    assert (first.published, first.title, first.language) == (recent[0].published, recent[0].headline, "en")
    assert first.modified is None and not sitemap.sitemaps


def test_archive_and_news_sitemaps_list_every_article_once(site):
    urls = [entry.url for name in ("/sitemap-news.xml", "/sitemap-archive.xml")
            for entry in parse_sitemap(body(site, name)).entries]
    assert sorted(urls) == sorted(article_url(article) for article in site.articles)
    archive = parse_sitemap(body(site, "/sitemap-archive.xml")).entries
    assert archive[0].modified is not None and archive[0].published is None and archive[0].title is None


def test_gzipped_sitemap_reads_like_the_plain_one(site):
    plain = body(site, "/sitemap-news.xml")
    assert parse_sitemap(gzip.compress(plain)) == parse_sitemap(plain)


NEWS_ENTRY = """<url><loc>https://x.org/a/</loc><news:news><news:publication><news:name>X</news:name>
<news:language>de</news:language></news:publication><news:publication_date>2024-12-06</news:publication_date>
<news:title>Titel &amp; mehr</news:title></news:news></url>"""


def test_news_fields_of_a_date_only_entry():
    xml = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{NEWS_ENTRY}<url><loc> </loc></url></urlset>')
    (entry,) = parse_sitemap(xml.encode()).entries  # the entry without a location is skipped
    assert entry.published == datetime(2024, 12, 6, tzinfo=timezone.utc)
    assert (entry.title, entry.language) == ("Titel & mehr", "de")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.org/&lol3;</loc></url>
<url><loc>https://x.org/b/</loc></url></urlset>"""


def test_entities_are_never_expanded():
    urls = [entry.url for entry in parse_sitemap(BILLION_LAUGHS).entries]
    assert "https://x.org/b/" in urls and not any("lollol" in url for url in urls)


def test_external_entities_are_never_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.org/&x;</loc></url></urlset>')
    assert all("TOP-SECRET" not in entry.url for entry in parse_sitemap(xml.encode()).entries)


@pytest.mark.parametrize("content", [
    b"<html><body>Not found</body></html>",  # an error page where the sitemap was
    b"",
    b"\x1f\x8b\x08\x00broken gzip",
    b'<rss version="2.0"><channel></channel></rss>',
])
def test_what_is_not_a_sitemap_is_a_clear_error(content):
    with pytest.raises(ValueError):
        parse_sitemap(content)


def test_a_gzip_bomb_is_refused():
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 1024 * 1024), compresslevel=9)
    with pytest.raises(ValueError, match="gzip"):
        parse_sitemap(bomb)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_fail_with_value_error(content):
    for parse in (parse_sitemap, feed_entries):
        try:
            parse(content)
        except ValueError:
            pass


# --- article links of a listing page --------------------------------------------------------

def test_section_page_links_exactly_its_articles(site):
    section_url = f"{PUBLIC}/{SECTION}/"
    found = article_links(page(site, f"/{SECTION}/"), section_url)
    assert found == [PUBLIC + article_path(article) for article in site.section_articles(SECTION)[:site.page_size]]


def test_links_of_navigation_sidebar_and_footer_are_not_articles(site):
    """Page 2 lists older articles; its "Most read" sidebar links the site's newest ones."""
    found = article_links(page(site, f"/{SECTION}/page/2/"), f"{PUBLIC}/{SECTION}/")
    assert found == [PUBLIC + article_path(article) for article in site.section_articles(SECTION)[8:16]]
    assert not set(found) & {PUBLIC + article_path(article) for article in site.articles[:4]}


SECTION_URL = "https://x.org/world/"


@pytest.mark.parametrize("link, is_article", [
    (Link("https://x.org/world/2024/12/06/talks-resume-in-geneva/", "Talks resume in Geneva", in_content=True), True),
    (Link("https://x.org/world/2024/12/06/talks-resume-in-geneva/", "Talks resume in Geneva"), True),
    # the same URL in the menu, or under a one-word label in a sidebar
    (Link("https://x.org/world/2024/12/06/talks-resume-in-geneva/", "Talks resume in Geneva", in_chrome=True), False),
    (Link("https://x.org/world/2024/12/06/talks-resume-in-geneva/", "More", in_chrome=True), False),
    # an opaque URL, but a headline in a heading of the content: a card
    (Link("https://x.org/p/a1b2c3", "Talks resume in Geneva after a long pause", in_content=True, in_heading=True), True),
    (Link("https://x.org/p/a1b2c3", "Talks resume in Geneva after a long pause"), False),
    # listings, other hosts, tags
    (Link("https://x.org/world/", "World", in_content=True, in_heading=True), False),
    (Link("https://other.org/world/2024/12/06/talks-resume-in-geneva/", "Talks resume in Geneva", in_content=True), False),
    (Link("https://x.org/world/2024/12/06/talks-resume-in-geneva/", "Talks resume in Geneva", rel=frozenset({"tag"})), False),
    (Link("https://x.org/tag/geneva-talks-news/", "Geneva talks news and more", in_content=True), False),
])
def test_link_scores(link, is_article):
    score = link_score(link, SECTION_URL)
    assert (score is not None and score >= ARTICLE_SCORE) == is_article


# --- pagination ---------------------------------------------------------------------------

def test_older_posts_pagination_reaches_every_article_and_ends(site):
    seen, url, pages = [], f"{PUBLIC}/{SECTION}/", 0
    while url:
        path = url.removeprefix(PUBLIC)
        selector = page(site, path)
        seen += article_links(selector, url, f"{PUBLIC}/{SECTION}/")
        url, pages = next_page_url(selector, url), pages + 1
    assert pages == 4
    assert seen == [PUBLIC + article_path(article) for article in site.section_articles(SECTION)]
