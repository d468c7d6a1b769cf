"""Broken pages give a counted, logged error or a fallback with honest provenance, never a crash."""

from __future__ import annotations

import logging
import re

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from conftest import crawl
from newsbot.extract import Page, extract_article
from newsbot.pipelines.clean import CleanTextPipeline
from newsbot.pipelines.validate import ValidatePipeline
from newsbot.replica import ReplicaServer
from newsbot.sites import get_site

RT = get_site("rt")
ARTICLE = "/russia/608821-putin-kursk-governor-khinshtein/"
JSONLD = re.compile(r'<script type="application/ld\+json">.*?</script>', re.DOTALL)
BODY = re.compile(r'<div class="article__text text[^"]*">.*?</div>\s*(?=<div class="article__tags)', re.DOTALL)


def without_jsonld(html: str) -> str:
    return JSONLD.sub("", html)


def without_body(html: str) -> str:
    # The article text is gone (an empty shell around the headline): nothing readable left.
    head = html[: html.index("<body")]
    headline = re.search(r'<h1 class="article__heading">.*?</h1>', html, re.DOTALL).group()
    return f"{head}<body>{headline}</body></html>"


def with_broken_dates(html: str) -> str:
    html = re.sub(r'"date(Published|Modified)":\s*"[^"]*"', r'"date\1": "not a date"', html)
    html = re.sub(r'<meta name="published_time_telegram"[^>]*>', "", html)
    return re.sub(r'(date_article-header">)[^<]*', r"\1someday", html)


def with_invalid_jsonld(html: str) -> str:
    return html.replace('<script type="application/ld+json">{', '<script type="application/ld+json">{,,', 1)


@pytest.fixture(scope="module")
def page_html(replica_site) -> str:
    return replica_site.get(ARTICLE)[2].decode("utf-8")


def extract(html: str):
    page = Page("https://www.rt.com" + ARTICLE, html)
    return page, extract_article(page, RT)


def run_pipelines(article):
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    item = article
    for pipeline in (CleanTextPipeline(crawler), ValidatePipeline(crawler)):
        item = pipeline.process_item(item)
    return crawler.stats


def test_missing_jsonld_falls_back_to_opengraph_and_meta(page_html):
    page, article = extract(without_jsonld(page_html))
    _, complete = extract(page_html)
    assert (article.headline, article.published_at, article.summary) == \
        (complete.headline, complete.published_at, complete.summary)
    assert article.provenance["headline"] == "opengraph" and article.provenance["published_at"] == "meta"
    assert article.modified_at is None  # only JSON-LD has it on RT
    run_pipelines(article)


def test_invalid_jsonld_is_counted_and_skipped(page_html):
    page, article = extract(with_invalid_jsonld(page_html))
    assert "jsonld_invalid" in page.problems
    assert article.headline and article.provenance["headline"] != "json-ld"


def test_broken_dates_are_counted_and_the_item_dropped_with_a_reason(page_html, caplog):
    page, article = extract(with_broken_dates(page_html))
    assert article.published_at is None
    assert "date_unparseable" in page.problems
    with caplog.at_level(logging.WARNING), pytest.raises(DropItem):
        run_pipelines(article)
    assert "missing_published_at" in caplog.text and ARTICLE in caplog.text


def test_missing_body_is_dropped_with_a_reason(page_html):
    _, article = extract(without_body(page_html))
    assert article.body == ""
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    with pytest.raises(DropItem, match="missing_body"):
        ValidatePipeline(crawler).process_item(CleanTextPipeline(crawler).process_item(article))
    assert crawler.stats.get_value("newsbot/dropped/missing_body") == 1


def test_future_date_is_rejected(page_html):
    page, article = extract(page_html.replace("2024-12-06T", "2099-12-06T"))
    assert "date_implausible" in page.problems
    # JSON-LD and meta both say 2099: the visible date is the first sane one.
    assert article.provenance["published_at"] == "selector"
    assert article.published_at == "2024-12-06T08:24:00+00:00"


class BrokenReplica:
    """The replica, with a few article pages broken in different ways."""

    def __init__(self, site, broken: dict[str, callable]):
        self.site, self.broken = site, broken

    def get(self, path: str):
        status, content_type, body = self.site.get(path)
        breaker = self.broken.get(path.split("?")[0])
        if breaker:
            body = breaker(body.decode("utf-8")).encode("utf-8")
        return status, content_type, body


def test_crawl_with_broken_pages_keeps_going_and_counts_them(replica_site, tmp_path):
    articles = [a for a in replica_site.articles if a.section == "russia"]
    broken = {articles[0].path: without_body, articles[1].path: with_broken_dates,
              articles[2].path: without_jsonld, articles[3].path: lambda html: "<html><body>" + "\x00" * 10}
    with ReplicaServer(BrokenReplica(replica_site, broken)) as server:
        result = crawl("rt", tmp_path / "out.jsonl", {"base_url": server.base_url})
    assert result.returncode == 0
    assert "'finish_reason': 'finished'" in result.log
    ids = {item["id"] for item in result.items}
    assert len(ids) == 32 - 3
    assert f"rt:{articles[2].id}" in ids  # no JSON-LD: still extracted
    for reason in ("missing_body", "missing_published_at", "missing_headline"):  # NULs: no headline
        assert f"'newsbot/dropped/{reason}': 1" in result.log
    assert "'newsbot/page_problems/date_unparseable': 3" in result.log
    assert f"missing_published_at: {server.base_url}{articles[1].path}" in result.log
