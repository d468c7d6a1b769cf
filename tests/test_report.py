"""The run report beside each output file, and size-rotated / gzipped output parts."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import crawl, scrapy_crawl

from newsbot.extensions.report import (
    failures_of,
    field_coverage,
    local_path,
    provenance_shares,
    report_path_beside,
    spider_arguments,
    write_json_atomically,
)


@pytest.mark.parametrize("output, report", [
    ("out/rt-2024.jsonl", "out/rt-2024.report.json"),
    ("out/rt-2024.jsonl.gz", "out/rt-2024.report.json"),
    ("/abs/2026-11-28T19-02-01.jl", "/abs/2026-11-28T19-02-01.report.json"),
    ("out/run.v2.csv.bz2", "out/run.v2.report.json"),
    ("out/noext", "out/noext.report.json"),
])
def test_the_report_goes_beside_the_output(output, report):
    assert report_path_beside(output) == Path(report)


def test_only_local_feeds_have_a_path():
    assert local_path("file:///tmp/a%20b.jsonl") == "/tmp/a b.jsonl"
    assert local_path("output/rt/x.jsonl") == "output/rt/x.jsonl"
    assert local_path("s3://bucket/x.jsonl") is None


def test_shares_and_coverage_come_from_the_stats():
    stats = {"newsbot/provenance/body/selector": 3, "newsbot/provenance/body/generic": 1,
             "newsbot/provenance/image.caption/selector": 2,
             "spidermon_field_coverage/Article/published_at": 0.96875,
             "spidermon_field_coverage/Article/image/credit": 0.5,
             "spidermon_field_coverage/Article/related/_items/url": 1.0}
    assert provenance_shares(stats) == {"body": {"generic": 0.25, "selector": 0.75}, "image.caption": {"selector": 1.0}}
    assert field_coverage(stats) == {"image/credit": 0.5, "published_at": 0.9688}


def test_failures_name_the_monitor_and_an_unfinished_crawl():
    results = [{"monitor": "Bot walls", "status": "FAIL", "reason": "2 responses were bot walls"},
               {"monitor": "Error ratio", "status": "OK", "reason": None},
               {"monitor": "Layout drift", "status": "SKIPPED", "reason": "no site module"}]
    assert failures_of("finished", results) == ["Bot walls: 2 responses were bot walls"]
    assert failures_of("shutdown", [])[0] == "crawl did not finish: finish reason 'shutdown'"


def test_spider_arguments_are_plain_values():
    class Spider:
        def __init__(self):
            self.section, self.max_pages, self._job = "russia", None, "job-1"
            self.since = datetime(2024, 12, 1, tzinfo=timezone.utc)
            self.requested, self._private = set(), "x"

    assert spider_arguments(Spider()) == {"_job": "job-1", "max_pages": None, "section": "russia",
                                          "since": "2024-12-01T00:00:00+00:00"}


def test_reports_are_written_whole(tmp_path):
    path = tmp_path / "deep" / "run.report.json"
    write_json_atomically(path, {"when": datetime(2024, 1, 1)})
    assert json.loads(path.read_text()) == {"when": "2024-01-01 00:00:00"}
    assert [p.name for p in path.parent.iterdir()] == ["run.report.json"]


def test_a_crawl_writes_its_report_beside_its_output(replica, tmp_path):
    result = crawl("rt", tmp_path / "russia.jsonl", {"base_url": replica.base_url})
    assert result.returncode == 0, result.log[-2000:]
    report = json.loads((tmp_path / "russia.report.json").read_text("utf-8"))
    assert report["ok"] and report["failures"] == [] and report["finish_reason"] == "finished"
    assert report["spider"] == "rt" and report["args"]["section"] == "russia"
    assert report["args"]["base_url"] == replica.base_url
    assert report["articles_written"] == len(result.items) == 32
    # (`-O` adds to the project's FEEDS: Scrapy writes its default per-run file too)
    assert {"path": str((tmp_path / "russia.jsonl").resolve()), "articles": 32} in report["outputs"]
    assert report["dropped"] == {} and report["errors"] == {} and report["bot_walls"] == {}
    assert report["discovered"]["articles_from_feed"] + report["discovered"].get("articles_from_listing", 0) == 32
    started, finished = (datetime.fromisoformat(report[key]) for key in ("started_at", "finished_at"))
    assert started <= finished and 0 < report["duration_seconds"] < 120
    assert report["field_coverage"]["published_at"] == 1.0 and report["field_coverage"]["image/credit"] == 1.0
    assert "source_url" not in report["field_coverage"]  # null everywhere: not covered
    assert report["provenance"]["body"] == {"selector": 1.0}
    assert {m["monitor"]: m["status"] for m in report["monitors"]} == {
        "Finish Reason Monitor": "OK", "Articles written": "OK", "Bot walls": "OK", "Error ratio": "OK",
        "Drops and fixes": "OK", "Field coverage": "OK", "Layout drift": "OK"}
    assert report["stats"]["item_scraped_count"] == 32


def rotating_feed(tmp_path: Path, name: str, **options) -> dict:
    feed = {str(tmp_path / name): {"format": "jsonlines", "encoding": "utf8", **options}}
    return {"FEEDS": json.dumps(feed)}


def test_size_rotation_cuts_whole_records_into_atomic_parts(replica, tmp_path):
    limit = 40_000
    done = scrapy_crawl("rt", [], {"base_url": replica.base_url},
                        rotating_feed(tmp_path, "run-%(batch_id)03d.jsonl", batch_max_bytes=limit))
    assert done.returncode == 0, done.stderr[-2000:]
    parts = sorted(tmp_path.glob("run-*.jsonl"))
    assert len(parts) >= 3 and not list(tmp_path.glob("*.part"))
    records = [line for part in parts for line in part.read_text("utf-8").splitlines()]
    longest = max(len(line.encode()) + 1 for line in records)
    for part in parts:
        size = part.stat().st_size
        assert size <= limit + longest  # rotation happens after the item that crosses the limit
    assert all(part.stat().st_size >= limit for part in parts[:-1])
    assert len({json.loads(line)["id"] for line in records}) == len(records) == 32
    report = json.loads((tmp_path / "run-001.report.json").read_text("utf-8"))
    assert [Path(output["path"]).name for output in report["outputs"]] == [part.name for part in parts]
    assert sum(output["articles"] for output in report["outputs"]) == 32


@pytest.mark.slow
def test_gzip_parts_are_each_a_whole_gzip_file(replica, tmp_path):
    done = scrapy_crawl("rt", [], {"base_url": replica.base_url}, rotating_feed(
        tmp_path, "run-%(batch_id)d.jsonl.gz", batch_max_bytes=20_000,
        postprocessing=["scrapy.extensions.postprocessing.GzipPlugin"]))
    assert done.returncode == 0, done.stderr[-2000:]
    parts = sorted(tmp_path.glob("run-*.jsonl.gz"))
    assert len(parts) >= 2
    lines = [line for part in parts for line in gzip.decompress(part.read_bytes()).decode("utf-8").splitlines()]
    assert len({json.loads(line)["id"] for line in lines}) == 32
    assert (tmp_path / "run-1.report.json").exists()


def test_size_rotation_without_a_part_number_in_the_name_is_a_clear_error(replica, tmp_path):
    done = scrapy_crawl("rt", [], {"base_url": replica.base_url},
                        rotating_feed(tmp_path, "run.jsonl", batch_max_bytes=1000))
    assert done.returncode != 0
    assert "needs %(batch_id)d or %(batch_time)s" in done.stderr
    assert not list(tmp_path.glob("*.jsonl"))
