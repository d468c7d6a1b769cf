"""Field-level repair: a bad value of one layer falls through to the next; a field no layer has a
usable value for is left null and counted (newsbot/fixed/<field>); the article is kept."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st
from scrapy.utils.test import get_crawler

from conftest import crawl
from newsbot.extract import Page, extract_article
from newsbot.extract.values import http_url, usable
from newsbot.pipelines.clean import CleanTextPipeline
from newsbot.pipelines.validate import ValidatePipeline
from newsbot.replica import ReplicaServer
from newsbot.sites import get_site

from test_malformed_pages import BrokenReplica

RT = get_site("rt")
ARTICLE = "/russia/608821-putin-kursk-governor-khinshtein/"
URL = "https://www.rt.com" + ARTICLE
IMAGE = re.compile(r"https://mf\.b37mrtl\.ru/files/[^\"' ]+\.jpg")
DATA_URI = "data:image/png;base64,iVBORw0KGgo="


def og(html: str, prop: str, value: str) -> str:
    return re.sub(rf'(<meta property="og:{prop}" content=")[^"]*', lambda m: m.group(1) + value, html, count=1)


def every_image_a_data_uri(html: str) -> str:
    return IMAGE.sub(DATA_URI, html)


@pytest.fixture(scope="module")
def page_html(replica_site) -> str:
    return replica_site.get(ARTICLE)[2].decode("utf-8")


def extract(html: str, url: str = URL):
    page = Page(url, html)
    return page, extract_article(page, RT)


def survives_the_pipelines(article) -> dict:
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    for pipeline in (CleanTextPipeline(crawler), ValidatePipeline(crawler)):
        article = pipeline.process_item(article)  # raises DropItem when the article is lost
    return crawler.stats.get_stats()


def test_a_data_uri_og_image_falls_through_to_the_next_layer(page_html):
    page, article = extract(og(page_html, "image", DATA_URI))
    assert article.image["url"].startswith("https://") and article.provenance["image"] != "opengraph"
    survives_the_pipelines(article)


def test_no_usable_image_anywhere_leaves_it_null_and_counted(page_html):
    page, article = extract(every_image_a_data_uri(page_html))
    assert article.image is None and "fixed/image" in page.problems
    survives_the_pipelines(article)


@pytest.mark.parametrize("og_url", ["http://[", "https://www.rt.com:99999/russia/1-x/", "ftp://www.rt.com/x",
                                    "javascript:alert(1)"])
def test_an_unusable_og_url_falls_back_to_the_next_canonical_source(page_html, og_url):
    page, article = extract(og(page_html, "url", og_url))
    assert article.canonical_url == URL and article.provenance["canonical_url"] == "meta"
    survives_the_pipelines(article)


def test_without_any_usable_canonical_url_the_fetched_url_canonicalised_is_used(page_html):
    html = og(page_html, "url", "http://[").replace(f'rel="canonical" href="{URL}"', 'rel="canonical" href="http://["')
    page, article = extract(html, URL + "?utm_source=x#top")
    assert article.canonical_url == URL
    survives_the_pipelines(article)


def test_lists_keep_only_non_empty_strings():
    assert usable("authors", ["", "  ", "Jane Doe", 3], URL) == ["Jane Doe"]
    assert usable("tags", ["", None], URL) is None
    assert usable("language", "not a language!", URL) is None and usable("language", "en_US", URL) == "en_US"
    assert usable("published_at", "2024-12-06T08:24:00", URL) is None  # no offset: not what a source gives
    assert usable("published_at", "2024-12-06T08:24:00+00:00", URL)


@given(st.text(max_size=40))
def test_a_url_field_is_an_absolute_http_url_or_nothing(value):
    url = http_url(value, URL)
    assert url is None or re.match(r"^https?://[^/?#]+", url)


def test_crawl_keeps_articles_with_bad_optional_fields_and_counts_the_fixes(replica_site, tmp_path):
    articles = [a for a in replica_site.articles if a.section == "russia"]
    broken = {articles[0].path: every_image_a_data_uri,
              articles[1].path: lambda html: og(html, "url", "http://["),
              articles[2].path: lambda html: og(html, "url", "https://www.rt.com:99999/x/")}
    with ReplicaServer(BrokenReplica(replica_site, broken)) as server:
        result = crawl("rt", tmp_path / "out.jsonl", {"base_url": server.base_url})
    assert result.returncode == 0
    assert len({item["id"] for item in result.items}) == 32
    assert "newsbot/dropped" not in result.log and "extraction_failed" not in result.log
    assert "'newsbot/fixed/image': 1" in result.log
    assert f"Fixed image: no usable value, left empty: {server.base_url}{articles[0].path}" in result.log


def test_a_teaser_with_an_unusable_link_is_left_out_not_the_article(replica_site):
    path = next(a.path for a in replica_site.articles if b"read-more__link" in replica_site.get(a.path)[2])
    html = re.sub(r'(<a class="read-more__link" href=")[^"]*', r"\1javascript:void(0)",
                  replica_site.get(path)[2].decode("utf-8"))
    _, article = extract(html, "https://www.rt.com" + path)
    stats = survives_the_pipelines(article)  # was: dropped as schema_violation
    assert stats["newsbot/fixed/related"] == 1 and article.related == []
