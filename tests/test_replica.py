"""The offline RT replica: pages, feeds, HTTP server and ground truth."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree, html

from newsbot.replica import (
    ReplicaServer,
    ReplicaSite,
    expected_records,
    listing_path,
    load_feed,
)

RUSSIA_ARTICLE = "/russia/608821-putin-kursk-governor-khinshtein/"
ARTICLE_URL = re.compile(r"^/[\w-]+/(\d+)-[\w-]+/$")


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite.from_feed()


@pytest.fixture(scope="module")
def records(site) -> list[dict]:
    return expected_records(site)


def get_html(site: ReplicaSite, path: str) -> html.HtmlElement:
    status, content_type, body = site.get(path)
    assert (status, content_type) == (200, "text/html; charset=utf-8"), path
    return html.fromstring(body)


def rebase(url: str) -> str:
    """What a crawler does with the real host in data-href, canonical and feed links."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def more_href(tree: html.HtmlElement) -> str | None:
    hrefs = tree.xpath("//div[@class='button']/a/@data-href")
    return rebase(hrefs[0]) if hrefs else None


# --- section page and "More" pagination -------------------------------------------------


def test_feed_has_the_real_articles():
    articles = load_feed()
    assert len(articles) == 100
    assert sum(a.section == "russia" for a in articles) == 32
    kursk = next(a for a in articles if a.id == 608821)
    assert kursk.url == "https://www.rt.com" + RUSSIA_ARTICLE
    assert kursk.published.isoformat() == "2024-12-06T08:24:31+00:00"
    assert kursk.description.startswith("Russian President Vladimir Putin has appointed")
    assert "Read Full Article" not in kursk.description


def test_section_page_lists_newest_articles_then_more_button(site):
    tree = get_html(site, "/russia/")
    cards = tree.cssselect(".js-listing ul li .card")
    hrefs = [card.cssselect("strong a")[0].get("href") for card in cards]
    assert hrefs == [a.path for a in site.section_articles("russia")[:8]]
    assert hrefs[0] == RUSSIA_ARTICLE
    assert cards[0].cssselect(".card__date span")[0].text == "Dec 6, 2024 08:24"
    assert cards[0].cssselect(".card__cover noscript img")[0].get("src").endswith(".jpg")
    assert tree.xpath("//div[@class='button']/a/@data-href") == [
        "https://www.rt.com" + listing_path("russia", 8, 1)
    ]


def test_more_pagination_reaches_every_article_and_ends(site):
    seen = []
    path = listing_path("russia", 8, 0)
    while path:
        tree = get_html(site, path)
        seen += tree.xpath("//div[@class='list-card__content--title']/a/@href")
        path = more_href(tree)
    assert seen == [a.path for a in site.section_articles("russia")]
    first_page = get_html(site, listing_path("russia", 8, 0))
    assert first_page.cssselect(".list-card__content--summary")[0].text_content().strip()
    assert first_page.cssselect(".card__date span.date")[0].text == "Dec 6, 2024 08:24"


def test_listing_beyond_the_end_is_an_empty_fragment(site):
    status, _, body = site.get(listing_path("russia", 8, 4))
    assert status == 200 and b"list-card" not in body
    assert site.get(listing_path("russia", 500, 0))[2].count(b'class="list-card"') == 32
    assert site.get(listing_path("nowhere", 8, 0))[0] == 404


def test_section_sidebar_repeats_articles_as_url_variants(site):
    links = get_html(site, "/russia/").xpath("//div[@class='most-read']//a/@href")
    assert any("?utm_source=" in href and "&utm_medium=" in href for href in links)
    assert any(href.endswith("#comments") for href in links)
    assert any(href.endswith("/amp/") for href in links)
    assert any(href.startswith("/news/") for href in links)


def test_every_internal_link_of_a_section_page_resolves(site):
    tree = get_html(site, "/russia/")
    links = {href for href in tree.xpath("//a/@href") if href.startswith("/")}
    assert {"/trends/syria/", "/about-us/", "/shows/"} <= links
    assert any(href.startswith("/in-vision/") for href in links)
    for href in links:
        assert site.get(href)[0] == 200, href


def test_every_section_has_a_page_and_a_feed(site):
    assert site.sections == ["news", "russia", "india", "africa", "business"]
    for section in site.sections:
        assert site.get(f"/{section}/")[0] == 200
        assert site.get(f"/rss/{section}/")[0] == 200


# --- feeds -------------------------------------------------------------------------------


def parse_rss(site: ReplicaSite, path: str) -> etree._Element:
    status, content_type, body = site.get(path)
    assert (status, content_type) == (200, "application/rss+xml; charset=utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(body, parser)


def test_rss_feeds_look_like_the_real_feed(site):
    everything = parse_rss(site, "/rss/").findall("channel/item")
    russia = parse_rss(site, "/rss/russia/")
    items = russia.findall("channel/item")
    assert len(everything) == 100 and len(items) == 32
    assert russia.findtext("channel/title") == "RT Russia & Former Soviet Union"
    first = items[0]
    assert first.findtext("guid") == "https://www.rt.com" + RUSSIA_ARTICLE
    tracking = "?utm_source=rss&utm_medium=rss&utm_campaign=RSS"
    assert first.findtext("link") == first.findtext("guid") + tracking
    assert first.findtext("pubDate") == "Fri, 06 Dec 2024 08:24:31 +0000"
    assert first.findtext("{http://purl.org/dc/elements/1.1/}creator") == "RT"
    assert first.find("enclosure").get("url").startswith("https://mf.b37mrtl.ru/")
    encoded = first.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert encoded == next(a for a in load_feed() if a.id == 608821).content_html


def test_feed_served_by_the_replica_loads_back(site, tmp_path):
    path = tmp_path / "rss.xml"
    path.write_bytes(site.get("/rss/")[2])
    assert load_feed(path) == site.articles


# --- article pages -----------------------------------------------------------------------


def test_article_page_has_rt_markup(site):
    tree = get_html(site, RUSSIA_ARTICLE)
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert meta["og:site_name"] == "RT International"
    assert meta["og:url"] == "https://www.rt.com" + RUSSIA_ARTICLE
    assert meta["og:image"].endswith("/xxl/6752a3522030271d074df8a2.jpg")
    assert meta["published_time_telegram"] == "2024-12-06T08:24:31+00:00"
    assert tree.findtext(".//title") == (
        "Putin appoints new governor in Kursk — RT Russia & Former Soviet Union"
    )
    json_ld = [json.loads(s.text) for s in tree.xpath("//script[@type='application/ld+json']")]
    types = [block["@type"] for block in json_ld]
    assert types == ["NewsArticle", "Organization", "BreadcrumbList"]
    assert json_ld[0]["datePublished"] < json_ld[0]["dateModified"]
    assert json_ld[2]["itemListElement"][1]["item"] == "https://www.rt.com/russia/"
    article = tree.cssselect("div.article")[0]
    heading = article.cssselect("h1.article__heading")[0]
    assert heading.text == "Putin appoints new governor in Kursk"
    date = article.cssselect("div.article__date > span.date.date_article-header")[0]
    assert date.text == "6 Dec, 2024 08:24"
    assert "Get short URL" in article.cssselect(".article__short-url")[0].text_content()
    cover = article.cssselect(".article__cover picture source")[0].get("data-srcset")
    assert cover == "https://mf.b37mrtl.ru/files/2024.12/xxl/6752a3522030271d074df8a2.jpg"
    credit = article.cssselect(".article__cover span[data-role=copyright]")[0]
    assert credit.text == "   Getty Images / Anadolu"
    summary = article.cssselect(".article__summary.summary")[0]
    assert summary.text.startswith("A Ukrainian incursion")
    assert article.cssselect(".article__tags-trends a.tags-trends__link[rel=tag]")
    assert article.cssselect(".article__text .read-more, .article__text a.read-more-big")


def test_article_urls_with_tracking_query_serve_the_same_page(site):
    clean = site.get(RUSSIA_ARTICLE)
    assert site.get(RUSSIA_ARTICLE + "?utm_source=rss&utm_medium=rss&utm_campaign=RSS") == clean


def test_amp_page_points_at_the_canonical_article(site):
    tree = get_html(site, RUSSIA_ARTICLE + "amp/")
    assert tree.get("amp") is not None
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    assert canonical == ["https://www.rt.com" + RUSSIA_ARTICLE]


def test_robots_and_not_found(site):
    robots = site.get("/robots.txt")
    assert robots == (200, "text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n")
    for path in (
        "/nowhere/",
        "/russia/608821-wrong-slug/",
        "/news/608821-putin-kursk-governor-khinshtein/",
        "/russia/608821-putin-kursk-governor-khinshtein",
        "/rss/nowhere/",
    ):
        status, content_type, body = site.get(path)
        assert status == 404 and b"Page not found" in body, path


def test_embeds_and_teasers_are_rt_markup(site):
    tree = get_html(site, "/news/608779-germany-scholz-ukraine-nazi-fighter/")
    tweet = tree.cssselect(".article__text div.rtcode")[0]
    assert tweet.cssselect("blockquote.twitter-tweet") and tweet.cssselect("script")
    bodies = b"".join(site.get(a.path)[2] for a in site.articles)
    assert b'class="read-more-big"' in bodies and b'class="read-more"' in bodies
    inline_photo = get_html(site, "/russia/608388-pro-western-opposition-lost-elections-georgia/")
    assert inline_photo.cssselect(".article__text div.media span[data-role=copyright]")


# --- ground truth ------------------------------------------------------------------------


def test_expected_records_for_russia(records):
    russia = [r for r in records if r["section"] == "russia"]
    assert len(russia) == 32
    for record in russia:
        article_id = ARTICLE_URL.match(urlsplit(record["canonical_url"]).path)[1]
        assert record["id"] == f"rt:{article_id}"
        assert record["body"].startswith(record["summary"] + "\n\n")
        assert record["image"]["url"].startswith("https://") and "/xxl/" in record["image"]["url"]
        assert record["image"]["caption"] and record["image"]["credit"]
        assert record["tags"]
        for noise in ("READ MORE", "Read more", "Like this story", "Subscribe to RT", "©", "\xa0"):
            assert noise not in record["body"], (record["id"], noise)


def test_expected_records_keep_related_links(records):
    articles = {a.url: a for a in load_feed()}
    for record in records:
        content = articles[record["canonical_url"]].content_html
        has_links = "<strong>Read more</strong>" in content or "READ MORE:" in content
        assert bool(record["related"]) == has_links, record["id"]
        urls = [link["url"] for link in record["related"]]
        assert len(urls) == len(set(urls))
        assert all(url.startswith("https://www.rt.com/") for url in urls)


def test_expected_record_fields(records):
    kursk = next(r for r in records if r["id"] == "rt:608821")
    assert kursk["published_at"] == "2024-12-06T08:24:31+00:00"
    assert kursk["modified_at"] > kursk["published_at"]
    assert kursk["related"] == [
        {
            "url": "https://www.rt.com/russia/608768-korean-soldiers-russia-fake/",
            "headline": "UK media duped by fake ‘female North Korean soldiers in Russia’ photo",
        },
        {
            "url": "https://www.rt.com/russia/608731-russian-court-arrest-us-mercenary-absentia/",
            "headline": "Russian court issues arrest warrant for US mercenary",
        },
    ]
    assert kursk["body"].endswith("11 US-supplied HIMARS multiple rocket launchers.")
    georgia = next(r for r in records if r["id"] == "rt:608388")
    assert georgia["image"]["credit"] == "Nicolo Vincenzo Malvestuto / Getty Images"
    assert "\n\nElection Results and Protests\n\n" in georgia["body"]
    assert "FILE PHOTO" not in georgia["body"]


def read_body_like_a_person(tree: html.HtmlElement) -> str:
    """The visible article text, read off the page with RT-specific knowledge of its noise."""
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text = tree.cssselect("div.article__text")[0]
    for noise in text.cssselect(".rtcode, .read-more, a.read-more-big, .media"):
        noise.drop_tree()
    units = text.xpath(".//p | .//h2 | .//h3 | .//li")
    paragraphs = [" ".join(unit.text_content().split()) for unit in units]
    promos = ("READ MORE:", "Like this story?", "Subscribe to RT newsletter")
    summary = tree.cssselect("div.article__summary")[0].text_content().strip()
    return "\n\n".join([summary] + [p for p in paragraphs if p and not p.startswith(promos)])


def test_pages_show_exactly_the_expected_body(site, records):
    for record in records:
        tree = get_html(site, urlsplit(record["canonical_url"]).path)
        assert read_body_like_a_person(tree) == record["body"], record["id"]


# --- growth and determinism --------------------------------------------------------------


def test_limited_site_grows(site):
    small = ReplicaSite.from_feed(limit=3, page_size=2)
    assert len(small.section_articles("russia")) == 3
    assert small.section_articles("russia") == site.section_articles("russia")[:3]
    newcomer = site.section_articles("russia")[3]
    small.add(newcomer)
    assert small.get(newcomer.path)[0] == 200
    with pytest.raises(ValueError):
        small.add(newcomer)


def test_build_is_deterministic(site):
    again = ReplicaSite.from_feed()
    paths = ["/", "/russia/", "/rss/", "/rss/russia/", listing_path("russia", 8, 2)]
    paths += [a.path for a in site.articles] + [a.path + "amp/" for a in site.articles]
    for path in paths:
        assert again.get(path) == site.get(path), path
    assert expected_records(again) == expected_records(load_feed())


# --- HTTP server -------------------------------------------------------------------------


def fetch(url: str, method: str = "GET"):
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers, response.read()


def test_server_serves_the_site_over_http(site):
    with ReplicaServer(site) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        status, headers, body = fetch(server.base_url + "/russia/")
        assert status == 200 and body == site.get("/russia/")[2]
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert int(headers["Content-Length"]) == len(body)
        tracked = RUSSIA_ARTICLE + "?utm_source=rss"
        assert fetch(server.base_url + tracked)[2] == site.get(RUSSIA_ARTICLE)[2]
        status, headers, body = fetch(server.base_url + RUSSIA_ARTICLE, method="HEAD")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
        with pytest.raises(urllib.error.HTTPError) as error:
            fetch(server.base_url + "/nowhere/")
        assert error.value.code == 404
        assert server.hits == {"/russia/": 1, RUSSIA_ARTICLE: 2, "/nowhere/": 1}
        server.reset_hits()
        assert not server.hits


def test_server_crawl_through_feed_links(site):
    with ReplicaServer(site) as server:
        feed = etree.fromstring(fetch(server.base_url + "/rss/russia/")[2])
        link = rebase(feed.findtext("channel/item/link"))
        assert fetch(urljoin(server.base_url, link))[0] == 200
        assert not [p for p in server.hits if p.startswith("/news/")]


def test_server_only_binds_to_loopback(site):
    with pytest.raises(ValueError):
        ReplicaServer(site, host="0.0.0.0")
