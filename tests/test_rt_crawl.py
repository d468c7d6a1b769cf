"""End to end: `scrapy crawl rt` against the offline replica, compared with its ground truth."""

from __future__ import annotations

import re

import pytest

from conftest import crawl
from newsbot.evaluation import score_page
from newsbot.record import schema_errors
from newsbot.replica import expected_records

NOISE = re.compile(r"Read more|READ MORE|Also on rt\.com|Like this story|Share it with a friend|Subscribe to RT|"
                   r"Get short URL|Follow RT on|©|FILE PHOTO", re.IGNORECASE)


@pytest.fixture(scope="module")
def result(replica, tmp_path_factory):
    replica.reset_hits()
    output = tmp_path_factory.mktemp("rt") / "russia.jsonl"
    return crawl("rt", output, {"base_url": replica.base_url})


@pytest.fixture(scope="module")
def truth(replica_site):
    return {record["id"]: record for record in expected_records(replica_site) if record["section"] == "russia"}


def test_crawl_finishes_cleanly(result):
    assert result.returncode == 0, result.log[-3000:]
    assert "'finish_reason': 'finished'" in result.log
    assert "newsbot/errors" not in result.log


def test_every_article_exactly_once(result, truth):
    ids = [item["id"] for item in result.items]
    assert sorted(ids) == sorted(truth)
    assert len({item["canonical_url"] for item in result.items}) == len(ids)


def test_each_article_page_requested_once(result, replica):
    article_paths = [path for path in replica.hits if re.match(r"^/russia/\d+-", path)]
    assert len(article_paths) == 32
    assert all(replica.hits[path] == 1 for path in article_paths)


def test_every_item_matches_the_schema(result):
    for item in result.items:
        assert schema_errors(item) == [], item["url"]


@pytest.mark.parametrize("field", ["headline", "summary", "published_at", "modified_at", "canonical_url",
                                   "section", "tags", "related"])
def test_fields_exact(result, truth, field):
    for item in result.items:
        assert item[field] == truth[item["id"]][field], (item["id"], field)


def test_image_caption_and_credit_exact(result, truth):
    for item in result.items:
        assert item["image"] == truth[item["id"]]["image"], item["id"]


def test_body_is_the_visible_text_without_noise(result, truth):
    for item in result.items:
        expected = truth[item["id"]]
        assert score_page(expected["body"], item["body"]).f1 >= 0.98, item["id"]
        assert item["body"].startswith(expected["summary"])
        assert not NOISE.search(item["body"]), (item["id"], NOISE.search(item["body"]).group())
        for teaser in item["related"]:
            assert teaser["headline"] not in item["body"]


def test_record_says_which_layer_produced_each_field(result):
    for item in result.items:
        layers = item["provenance"]
        assert layers["headline"] == "json-ld" and layers["published_at"] == "json-ld"
        assert layers["body"] == "selector" and layers["summary"] == "selector"
        assert layers["image.caption"] == "selector"


def test_record_constants(result):
    for item in result.items:
        assert item["site"] == "rt" and item["section_name"] == "Russia & FSU" and item["language"] == "en"
        assert item["url"].startswith("http://127.0.0.1:") and item["canonical_url"].startswith("https://www.rt.com/russia/")
        assert item["source_url"] is None and item["authors"] == ["RT"]


def test_max_pages_bounds_the_listing(replica, tmp_path):
    bounded = crawl("rt", tmp_path / "bounded.jsonl", {"base_url": replica.base_url, "max_pages": 1, "feeds": 0})
    assert bounded.returncode == 0
    assert 0 < len(bounded.items) < 32
    assert "'newsbot/listing/pages': 1" in bounded.log


def test_since_skips_older_articles(replica, tmp_path, truth):
    since = "2024-12-05"
    recent = crawl("rt", tmp_path / "recent.jsonl", {"base_url": replica.base_url, "since": since})
    expected = {id_ for id_, record in truth.items() if record["published_at"] >= since}
    assert 0 < len(expected) < 32
    assert {item["id"] for item in recent.items} == expected
