"""Hostile and mis-labelled input, one component at a time (fast; the crawls are in test_faults)."""

from __future__ import annotations

import gzip
import json
import time
import zlib
from datetime import datetime, timezone

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsbot.discovery import feed_entries, parse_sitemap
from newsbot.encoding import CharsetMiddleware, FalseContentEncodingMiddleware, looks_uncompressed, true_charset
from newsbot.extract import Page, extract_article
from newsbot.extract.page import MAX_JSONLD_DEPTH, MAX_JSONLD_STRING
from newsbot.replica import ReplicaSite
from newsbot.sites import get_site

from .russian import PANGRAM, russian_article
from .server import Sentinel
from .hostile import BILLION_LAUGHS, before_first_jsonld, recoded, xml_bomb, xxe


@pytest.fixture(scope="module")
def site():
    site = ReplicaSite.from_feed()
    site.add(russian_article(700001, "kodirovka", datetime(2024, 12, 6, 12, tzinfo=timezone.utc)))
    return site


@pytest.fixture(scope="module")
def russian_page(site) -> bytes:
    return site.get("/russia/700001-kodirovka/")[2]


@pytest.fixture(scope="module")
def english_page(site) -> bytes:
    """An English page with Latin-1 letters, in cp1252 (so: declared cp1252 or latin-1 is right)."""
    html = site.get(site.section_articles("russia")[0].path)[2].decode("utf-8")
    return recoded("cp1252")(html.replace("Putin", "Putin (café, naïve, Zoë, résumé)").encode("utf-8"))


def html_response(body: bytes, content_type: str) -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/page/", body=body, headers={"Content-Type": content_type})


# -- charsets --

@pytest.mark.parametrize("charset, meta, header, expected", [
    ("cp1251", None, "utf-8", "cp1251"),
    ("cp1251", None, "iso-8859-1", "cp1251"),
    ("koi8_r", "windows-1251", None, "koi8-r"),
    ("cp1251", "koi8-r", None, "cp1251"),
    ("cp1251", None, "windows-1251", None),  # right: left alone
    ("koi8_r", "koi8-r", None, None),
    ("cp1251", None, None, None),  # undeclared: Scrapy's own detection decides
])
def test_a_wrong_charset_declaration_is_overruled(russian_page, charset, meta, header, expected):
    body = recoded(charset, meta)(russian_page)
    assert true_charset(f"text/html; charset={header}" if header else "text/html", body) == expected


@pytest.mark.parametrize("header", ["windows-1252", "iso-8859-1"])
def test_an_english_legacy_page_keeps_its_declaration(english_page, header):
    assert true_charset(f"text/html; charset={header}", english_page) is None


def test_utf8_with_a_stray_byte_stays_utf8(site):
    page = site.get(site.section_articles("russia")[0].path)[2].replace(b"Putin", b"Put\xe9in", 1)
    assert true_charset("text/html; charset=utf-8", page) is None


def test_a_bom_outranks_a_wrong_header(russian_page):
    assert true_charset("text/html; charset=windows-1251", b"\xef\xbb\xbf" + russian_page) is None
    response = html_response(b"\xef\xbb\xbf" + russian_page, "text/html; charset=windows-1251")
    assert PANGRAM in response.text


def test_charset_middleware_redecodes_counts_and_keeps_right_pages(russian_page):
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    middleware = CharsetMiddleware.from_crawler(crawler)
    wrong = html_response(recoded("cp1251")(russian_page), "text/html; charset=utf-8")
    assert PANGRAM not in wrong.text
    fixed = middleware.process_response(None, wrong)
    assert PANGRAM in fixed.text and fixed.encoding == "cp1251"
    right = html_response(russian_page, "text/html; charset=utf-8")
    assert middleware.process_response(None, right) is right
    assert crawler.stats.get_value("newsbot/fixed/wrong_charset") == 1


def test_windows_1251_without_any_declaration_is_read_as_cyrillic(russian_page):
    """What Scrapy itself does (charset-normalizer), checked so an upgrade cannot silently change it."""
    body = recoded("cp1251")(russian_page)
    assert b"charset" not in body.lower()
    response = html_response(body, "text/html")
    assert PANGRAM in response.text
    article = extract_article(Page(response.url, response.text), get_site("rt"))
    assert PANGRAM in article.body


# -- content encodings --

@pytest.mark.parametrize("coding, body, uncompressed", [
    ("gzip", b"<!DOCTYPE html><html></html>", True),
    ("gzip", gzip.compress(b"<html></html>"), False),
    ("x-gzip", b"<html></html>", True),
    ("deflate", b"<html><body>plain</body></html>", True),
    ("deflate", zlib.compress(b"<html></html>"), False),
    ("deflate", zlib.compress(b"<html></html>")[2:-4], False),  # raw deflate, as some servers send
    ("zstd", b"<html></html>", True),
    ("br", b"<html></html>", False),  # no signature to tell: never doubted
    ("gzip", b"", False),
])
def test_false_content_encoding_is_recognised(coding, body, uncompressed):
    assert looks_uncompressed(body, coding) is uncompressed


def test_false_gzip_header_is_dropped_and_counted(russian_page):
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    middleware = FalseContentEncodingMiddleware.from_crawler(crawler)
    response = HtmlResponse("http://127.0.0.1/page/", body=russian_page,
                            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})
    fixed = middleware.process_response(None, response)
    assert b"Content-Encoding" not in fixed.headers and fixed.body == russian_page
    compressed = response.replace(body=gzip.compress(russian_page))
    assert middleware.process_response(None, compressed) is compressed
    assert crawler.stats.get_value("newsbot/fixed/false_content_encoding") == 1


# -- XML: no entity is expanded or fetched, and no item is lost to a DTD --

def test_a_billion_laughs_feed_keeps_its_items_and_expands_nothing(site):
    feed = site.get("/rss/russia/")[2]
    started = time.perf_counter()
    entries = feed_entries(xml_bomb(feed))
    assert time.perf_counter() - started < 1
    assert [entry.url for entry in entries] == [entry.url for entry in feed_entries(feed)]
    assert all("lol" not in (entry.title or "") for entry in entries)


def test_external_entities_are_neither_read_nor_fetched(site):
    feed = site.get("/rss/russia/")[2]
    with Sentinel() as sentinel:
        entries = feed_entries(xxe(sentinel.origin)(feed))
        time.sleep(0.2)  # a fetch, had there been one, would have connected by now
        connections = sentinel.connections
    assert connections == 0
    assert len(entries) == len(feed_entries(feed))
    assert not any("root:" in (entry.title or "") for entry in entries)


SITEMAP = ('<?xml version="1.0"?>{dtd}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           '<url><loc>{entity}</loc></url><url><loc>https://www.rt.com/russia/1-a/</loc></url></urlset>')


def test_a_sitemap_bomb_keeps_its_urls():
    """Scrapy's own Sitemap (lxml recover=True) returns no URL at all for this document."""
    sitemap = SITEMAP.format(dtd=BILLION_LAUGHS.replace("rss", "urlset"), entity="&lol9;").encode()
    assert [entry.url for entry in parse_sitemap(sitemap).entries] == ["https://www.rt.com/russia/1-a/"]


def test_a_sitemap_with_external_entities_reads_and_fetches_nothing():
    with Sentinel() as sentinel:
        dtd = (f'<!DOCTYPE urlset [<!ENTITY passwd SYSTEM "file:///etc/passwd">'
               f'<!ENTITY remote SYSTEM "{sentinel.origin}/xxe">]>')
        entries = parse_sitemap(SITEMAP.format(dtd=dtd, entity="&passwd;&remote;").encode()).entries
        time.sleep(0.2)
        connections = sentinel.connections
    assert connections == 0
    assert [entry.url for entry in entries] == ["https://www.rt.com/russia/1-a/"]


# -- JSON-LD: hostile blocks are skipped whole, counted, and never crash the page --

@pytest.mark.parametrize("block, problem", [
    ("[" * 100_000 + "]" * 100_000, "jsonld_invalid"),  # beyond the JSON parser's own recursion
    ('{"a":' * 900 + "1" + "}" * 900, "jsonld_too_deep"),
    ('{"a":' * (MAX_JSONLD_DEPTH + 1) + "1" + "}" * (MAX_JSONLD_DEPTH + 1), "jsonld_too_deep"),
    (json.dumps({"@type": "NewsArticle", "headline": "A" * (MAX_JSONLD_STRING + 1)}), "jsonld_string_too_long"),
    ('{"@type": "NewsArticle", "headline": ', "jsonld_invalid"),
])
def test_hostile_jsonld_is_skipped_and_the_page_still_extracts(site, block, problem):
    article_path = site.section_articles("russia")[0].path
    html = before_first_jsonld(block)(site.get(article_path)[2]).decode("utf-8")
    page = Page("https://www.rt.com" + article_path, html)
    article = extract_article(page, get_site("rt"))
    assert problem in page.problems
    assert article.provenance["headline"] == "json-ld" and "A" * 100 not in article.headline


def test_jsonld_within_bounds_is_used(site):
    article_path = site.section_articles("russia")[0].path
    nested = {"@type": "NewsArticle", "headline": "Nested but fine", "x": [[[[{"y": "z"}]]]]}
    html = before_first_jsonld(json.dumps(nested))(site.get(article_path)[2]).decode("utf-8")
    page = Page("https://www.rt.com" + article_path, html)
    assert page.article_data["headline"] == "Nested but fine" and not page.problems
