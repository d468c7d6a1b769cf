"""Downstream loaders typed from the shipped JSON Schema: pandas and polars read an RT run and a
WordPress republisher's run together (source_url null in one, a string in the other) with real
types, one row per id."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT, crawl
from newsbot.replica import ReplicaServer
from newsbot.replica.wordpress import WordPressSite

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
sys.path.insert(0, str(ROOT / "examples"))
import load_pandas  # noqa: E402
import load_polars  # noqa: E402
from newsbot_arrow import arrow_schema  # noqa: E402


@pytest.fixture(scope="module")
def run_dirs(replica, tmp_path_factory):
    rt, wordpress = tmp_path_factory.mktemp("rt"), tmp_path_factory.mktemp("wordpress")
    assert crawl("rt", rt / "rt-run.jsonl", {"base_url": replica.base_url}).returncode == 0
    with ReplicaServer(WordPressSite.from_replica()) as server:
        done = crawl("section", wordpress / "section-run.jsonl", {"url": f"{server.base_url}/category/russia-fsu/"})
    assert done.returncode == 0
    return rt, wordpress


def test_the_arrow_types_come_from_the_schema():
    schema = json.loads((ROOT / "newsbot" / "schema" / "article.schema.json").read_text("utf-8"))
    types = arrow_schema()
    assert types.names == list(schema["properties"])
    assert types.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert types.field("tags").type == pa.list_(pa.string()) and types.field("version").type == pa.int64()
    assert types.field("related").type == pa.list_(pa.struct([("url", pa.string()), ("headline", pa.string())]))


def test_polars_reads_rt_and_wordpress_runs_together_with_real_types(run_dirs):
    rt, wordpress = run_dirs
    frame = load_polars.load([rt, wordpress])
    assert frame["id"].n_unique() == len(frame) == 32 + len(list((wordpress / "section-run.jsonl").open()))
    assert frame.schema["source_url"] == pl.String and frame.schema["published_at"] == pl.Datetime("us", "UTC")
    assert frame.schema["tags"] == pl.List(pl.String)
    assert frame["source_url"].null_count() == 32  # RT's originals have none; every copy has one


def test_pandas_reads_them_with_timezone_aware_timestamps_and_lists(run_dirs):
    frame = load_pandas.load(list(run_dirs))
    assert str(frame["published_at"].dtype) == "timestamp[us, tz=UTC][pyarrow]"
    assert str(frame["tags"].dtype) == "list<item: string>[pyarrow]"
    assert frame["published_at"].notna().all() and frame["id"].is_unique


def test_only_the_latest_version_of_an_article_is_kept(tmp_path):
    from newsbot_arrow import read_runs

    record = {"id": "rt:1", "version": 1, "headline": "old", "published_at": "2024-12-06T08:24:00+00:00"}
    (tmp_path / "a.jsonl").write_text(json.dumps({**record, "version": 2, "headline": "new"}) + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps(record) + "\n")
    (tmp_path / "c.jsonl.part").write_text("{half a rec")
    assert read_runs([tmp_path]).column("headline").to_pylist() == ["new"]


SAFE_NAME = r"rt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ"


def test_default_feeds_use_the_one_safe_file_name_pattern(replica, tmp_path):
    import re

    from conftest import scrapy_crawl

    done = scrapy_crawl("rt", [], {"base_url": replica.base_url}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    names = sorted(path.name for path in (tmp_path / "output" / "rt").iterdir())
    assert len(names) == 2 and re.fullmatch(SAFE_NAME + r"\.jsonl", names[0]), names
    assert names[1] == names[0].replace(".jsonl", ".report.json")


def test_newsbot_run_names_follow_the_same_pattern(tmp_path):
    import re
    from datetime import datetime, timezone

    from newsbot.cli import run_paths

    output, report = run_paths(tmp_path, "rt", False, False, datetime(2024, 12, 6, 8, 24, tzinfo=timezone.utc))
    assert output.endswith("/rt-2024-12-06T08-24-00Z.jsonl") and report.name == "rt-2024-12-06T08-24-00Z.report.json"
    assert re.fullmatch(SAFE_NAME, Path(output).stem)
