"""End to end: `scrapy crawl section` on a site that has no module (the generic replica), its
articles found through the section's links, its feed and the sitemaps of robots.txt, each once."""

from __future__ import annotations

import pytest

from conftest import crawl
from newsbot.evaluation import score_page
from newsbot.record import schema_errors
from newsbot.replica import ReplicaServer
from newsbot.replica.content import clean_text
from newsbot.replica.generic_site import GenericNewsSite, article_path, article_url

SECTION = "russia"
FEED_SIZE = 10  # the section feed lists the newest ten


@pytest.fixture(scope="module")
def site() -> GenericNewsSite:
    return GenericNewsSite.from_feed()


@pytest.fixture(scope="module")
def server(site):
    with ReplicaServer(site) as running:
        yield running


def crawl_section(server, tmp_path, **sources):
    server.reset_hits()
    args = {"url": f"{server.base_url}/{SECTION}/", **{name: "0" for name, on in sources.items() if not on}}
    return crawl("section", tmp_path / "section.jsonl", args)


@pytest.fixture(scope="module")
def every_source(server, tmp_path_factory):
    result = crawl_section(server, tmp_path_factory.mktemp("all"))
    return result, server.hits


def stat(log: str, name: str) -> int:
    marker = f"'newsbot/discovery/{name}': "
    return int(log.split(marker, 1)[1].split(",", 1)[0]) if marker in log else 0


def test_every_article_of_the_section_exactly_once(every_source, site):
    result, hits = every_source
    assert result.returncode == 0, result.log[-3000:]
    assert "newsbot/errors" not in result.log
    expected = {article_url(article) for article in site.section_articles(SECTION)}
    urls = [item["canonical_url"] for item in result.items]
    assert sorted(urls) == sorted(expected)
    assert len({item["id"] for item in result.items}) == len(urls)
    # each article page fetched once, though links, feed and sitemaps all name it
    assert all(hits[article_path(article)] == 1 for article in site.section_articles(SECTION))
    assert not any(hits[article_path(article)] for article in site.articles if article.section != SECTION)
    assert stat(result.log, "repeated_links") > 0


def test_generic_records_are_complete_and_true(every_source, site):
    result, _ = every_source
    truth = {article_url(article): article for article in site.section_articles(SECTION)}
    for item in result.items:
        article = truth[item["canonical_url"]]
        assert schema_errors(item) == []
        assert item["site"] == "generic" and item["provenance"]["body"] == "generic"
        assert item["headline"] == clean_text(article.headline) and item["published_at"] == article.published.isoformat()
        assert item["language"] == "en" and item["section"] == SECTION
        assert score_page(site.expected_body(article), item["body"]).f1 >= 0.97, item["url"]
        assert "newsletter" not in item["body"] and "All rights reserved" not in item["body"]


@pytest.mark.slow
@pytest.mark.parametrize("source, expected", [
    ("links", "all"), ("feeds", "newest"), ("sitemaps", "all"),
], ids=["links only", "feed only", "sitemaps only"])
def test_each_source_alone_finds_its_articles(server, site, tmp_path, source, expected):
    result = crawl_section(server, tmp_path, **{name: name == source for name in ("links", "feeds", "sitemaps")})
    assert result.returncode == 0, result.log[-3000:]
    articles = site.section_articles(SECTION)
    wanted = articles[:FEED_SIZE] if expected == "newest" else articles
    assert sorted(item["canonical_url"] for item in result.items) == sorted(article_url(a) for a in wanted)
    via = {"links": "listing", "feeds": "feed", "sitemaps": "sitemap"}[source]
    assert stat(result.log, f"articles_from_{via}") == len(wanted)
