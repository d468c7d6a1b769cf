"""`scrapy crawl archive` against the replica served as a web archive (Wayback CDX + raw replay,
Common Crawl index + ranged WARC reads): one record per captured article, the fields of a live
crawl, the state stopping a second backfill, throttling honoured."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import crawl
from newsbot.replica import ReplicaServer, ReplicaSite
from newsbot.replica.archive import ArchiveReplica

pytestmark = pytest.mark.slow
ARCHIVED = {"fetched_at", "fetched_from", "archived_at", "url"}  # url: the live crawl fetched the replica's origin
YEAR = {"from": "2024-01-01", "to": "2024-12-31"}


@pytest.fixture(scope="module")
def archive():
    site = ReplicaSite.from_feed()
    with ReplicaServer(ArchiveReplica(site, throttle_indexes=True)) as server:
        yield server


@pytest.fixture(scope="module")
def live_records(tmp_path_factory, replica):
    result = crawl("rt", tmp_path_factory.mktemp("live") / "live.jsonl", {"base_url": replica.base_url})
    assert result.returncode == 0
    return {record["id"]: record for record in result.items}


def backfill(server, output, archive: str, **settings):
    return crawl("archive", output, {"archive": archive, "archive_url": server.base_url, **YEAR}, settings)


@pytest.mark.parametrize("source", ["wayback", "commoncrawl"])
def test_a_year_of_the_section_comes_back_once_with_the_live_fields(archive, live_records, tmp_path, source):
    archive.reset_hits()
    result = backfill(archive, tmp_path / "out.jsonl", source)
    assert result.returncode == 0, result.log[-3000:]
    ids = [record["id"] for record in result.items]
    assert sorted(ids) == sorted(archive.site.expected) and len(set(ids)) == len(ids)
    for record in result.items:
        live = live_records[record["id"]]
        assert {k: v for k, v in record.items() if k not in ARCHIVED} == \
               {k: v for k, v in live.items() if k not in ARCHIVED}
        assert record["fetched_from"] == source and record["url"] == record["canonical_url"]
    # every index page was throttled once (429 + Retry-After) and read after the back-off
    index_paths = [path for path in archive.hits if path.startswith(("/cdx/", "/CC-MAIN-"))]
    assert index_paths and all(archive.hits[path] >= 2 for path in index_paths)
    assert "'newsbot/errors/" not in result.log.split("Dumping Scrapy stats")[-1] or source == "wayback"


def test_the_latest_usable_capture_is_chosen_and_redirects_are_followed(archive, tmp_path):
    by_id = {record["id"]: record for record in backfill(archive, tmp_path / "w.jsonl", "wayback").items}
    times = {article_id: datetime.fromisoformat(record["archived_at"]) for article_id, record in by_id.items()}
    captures = archive.site.captures
    for article_id, moment in times.items():
        url = next(c.url for c in captures if c.url.startswith("https://www.") and f"/{article_id[3:]}-" in c.url)
        in_window = [c.timestamp for c in captures if c.url == url and c.timestamp.startswith("2024")]
        if in_window:  # the latest capture of the window (a revisit included)
            assert moment.strftime("%Y%m%d%H%M%S") == max(in_window)
        else:  # only a redirect in the window: its target's capture, whenever it was made
            assert moment.year == 2026


def test_damaged_records_fall_back_to_another_capture(archive, tmp_path):
    result = backfill(archive, tmp_path / "cc.jsonl", "commoncrawl")
    stats = result.log.split("Dumping Scrapy stats")[-1]
    for damage in ("broken_members", "length_mismatch", "truncated_records"):
        assert f"'newsbot/archive/capture_failed/{damage}': 4" in stats
    assert len(result.items) == len(archive.site.expected)


def test_the_state_stops_a_second_backfill_from_any_source(archive, tmp_path):
    state = tmp_path / "state.db"
    first = backfill(archive, tmp_path / "first.jsonl", "wayback", NEWSBOT_STATE=state)
    assert len(first.items) == len(archive.site.expected)
    for source in ("wayback", "commoncrawl"):
        archive.reset_hits()
        again = backfill(archive, tmp_path / f"{source}.jsonl", source, NEWSBOT_STATE=state)
        assert again.returncode == 0 and again.items == []
        fetched = [path for path in archive.hits if path.startswith(("/web/", "/crawl-data/"))]
        assert fetched == [], fetched  # no article page fetched again, from either archive
