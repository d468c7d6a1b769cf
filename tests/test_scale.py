"""The scale replica (``ReplicaSite.scaled``) and the crawl benchmark (bench/crawl.py)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT
from parsel import Selector

from newsbot.replica import ReplicaSite, expected_records, load_feed
from newsbot.replica.scale import FEED_SIZE, SECTION
from newsbot.sites import rt


def test_a_scaled_site_is_deterministic_and_the_newest_part_of_any_larger_one():
    small, again, large = ReplicaSite.scaled(20), ReplicaSite.scaled(20), ReplicaSite.scaled(60)
    assert small.articles == again.articles
    assert large.articles[:20] == small.articles
    for article in small.articles[::5]:  # the same page, byte for byte, whatever the size
        assert small.get(article.path) == large.get(article.path)


def test_scaled_articles_are_new_recombinations_in_the_section_going_back_in_time():
    articles = ReplicaSite.scaled(300).articles
    real = load_feed()
    assert len({a.id for a in articles}) == len({a.url for a in articles}) == 300
    assert {a.section for a in articles} == {SECTION}
    assert not {a.id for a in articles} & {a.id for a in real}
    assert not {a.content_html for a in articles} & {a.content_html for a in real}
    published = [a.published for a in articles]
    assert all(newer > older for newer, older in zip(published, published[1:]))
    assert rt.SITE.founded < published[-1].date() and published[0] <= max(a.published for a in real)
    assert all(rt.SITE.article_match(a.url)["id"] == str(a.id) for a in articles)
    records = expected_records(articles[:20])
    assert all(record["body"] and record["summary"] and record["headline"] for record in records)


def test_the_more_fragments_list_every_article_once_and_the_feed_the_newest_hundred():
    site = ReplicaSite.scaled(250)
    status, _, page = site.get(f"/{SECTION}/")
    seen: list[str] = []
    while status == 200:
        selector = Selector(text=page.decode())
        seen += selector.css(".card a.link::attr(href), .list-card a.link::attr(href)").getall()
        more = selector.css("div.button a[data-href]::attr(data-href)").get()
        if more is None:
            break
        status, _, page = site.get(more.removeprefix("https://www.rt.com"))
    assert seen == [article.path for article in site.articles]
    feed = site.get(f"/rss/{SECTION}/")[2].decode()
    assert re.findall(r"<guid>(.*?)</guid>", feed) == [a.url for a in site.articles[:FEED_SIZE]]


def test_prerendered_pages_are_the_pages_kept_compressed():
    rendered = ReplicaSite.scaled(30)
    fresh = [rendered.get(article.path) for article in rendered.articles]
    site = ReplicaSite.scaled(30)
    site.prerender()
    assert [site.get(article.path) for article in site.articles] == fresh
    assert site._article_pages.stored_bytes() < 0.4 * sum(len(body) for _, _, body in fresh)


def test_a_scaled_site_needs_an_article():
    with pytest.raises(ValueError):
        ReplicaSite.scaled(0)


@pytest.mark.slow
def test_bench_crawl_quick_compares_both_crawls_and_writes_every_article(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "crawl.py"), "--quick", "--results", str(tmp_path)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    ratios = lines[-5:]  # the targets of issue 11, each with its verdict
    assert [line.split(":")[0].strip() for line in ratios] == [
        "pages/s newsbot / raw at 400", "peak RSS at 1k, newsbot / raw", "peak RSS newsbot 1k / 200",
        "time to first request newsbot / raw", "whole crawl trafilatura / newsbot"], ratios
    assert all(re.search(r": \d+\.\d\d \(target [<>]= [\d.]+: (met|NOT met)\)$", line) for line in ratios), ratios
    assert all(any(line.lstrip().startswith(f"{kind} ") for line in lines) for kind in ("raw", "newsbot", "trafilatura"))
    assert "newsbot's functions, cumulative:" in done.stdout
    assert len(list(tmp_path.glob("crawl-profile-*.pstats"))) == len(list(tmp_path.glob("crawl-*Z.json"))) == 1
