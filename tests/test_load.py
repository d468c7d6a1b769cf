"""Downstream loads: the DuckDB example types dates and lists properly, and a loader never sees
a half-written file, even when the crawl is killed."""

from __future__ import annotations

import gzip
import importlib.util
import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from conftest import CRAWL_ENV, ROOT, crawl_command, read_jsonl

from newsbot.record import schema_errors

sys.path.insert(0, str(ROOT / "examples"))  # the examples import their shared newsbot_arrow
spec = importlib.util.spec_from_file_location("load_duckdb", ROOT / "examples" / "load_duckdb.py")
load_duckdb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(load_duckdb)


def crawl_into(replica, output: Path, **settings) -> list[str]:
    """The command of a crawl of the replica into ``output`` alone (not also the project's FEEDS)."""
    feed = {str(output): {"format": "jsonlines", "encoding": "utf8"}}
    return crawl_command("rt", [], {"base_url": replica.base_url}, {"FEEDS": json.dumps(feed), **settings})


@pytest.fixture(scope="module")
def run_dir(replica, tmp_path_factory) -> Path:
    """A directory holding one complete run, as a scheduled job leaves it."""
    directory = tmp_path_factory.mktemp("runs")
    done = subprocess.run(crawl_into(replica, directory / "rt-1.jsonl"), cwd=directory, env=CRAWL_ENV,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return directory


def test_duckdb_gets_timestamps_lists_and_structs(run_dir):
    records = {record["id"]: record for record in read_jsonl(run_dir / "rt-1.jsonl")}
    assert len(records) == 32 and not any(schema_errors(record) for record in records.values())
    with duckdb.connect() as connection:
        assert load_duckdb.load(connection, [run_dir]) == 32
        types = dict(connection.execute("SELECT column_name, data_type FROM information_schema.columns "
                                        "WHERE table_name = 'articles'").fetchall())
        assert types["published_at"] == types["modified_at"] == types["fetched_at"] == "TIMESTAMP WITH TIME ZONE"
        assert types["tags"] == types["authors"] == "VARCHAR[]"
        assert types["related"] == "STRUCT(url VARCHAR, headline VARCHAR)[]"
        connection.execute("SET TimeZone = 'UTC'")
        rows = connection.execute("SELECT id, published_at, modified_at, tags, related, image.credit, "
                                  "provenance['body'] FROM articles").fetchall()
    assert len(rows) == 32
    for article_id, published, modified, tags, related, credit, body_layer in rows:
        record = records[article_id]
        assert published == datetime.fromisoformat(record["published_at"]).astimezone(timezone.utc)
        assert modified == (datetime.fromisoformat(record["modified_at"]) if record["modified_at"] else None)
        assert tags == record["tags"] and credit == record["image"]["credit"]
        assert [{"url": r["url"], "headline": r["headline"]} for r in related] == record["related"]
        assert body_layer == record["provenance"]["body"]


def test_loading_again_or_from_gzip_replaces_instead_of_duplicating(run_dir, tmp_path):
    gzipped = tmp_path / "rt-1.jsonl.gz"
    gzipped.write_bytes(gzip.compress((run_dir / "rt-1.jsonl").read_bytes()))
    database = tmp_path / "news.duckdb"
    for source in (run_dir, run_dir, gzipped):
        done = subprocess.run([sys.executable, str(ROOT / "examples" / "load_duckdb.py"), str(database), str(source)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == f"read 32 articles; 32 in {database}", done.stderr


@pytest.mark.slow
def test_a_killed_crawl_leaves_no_file_a_loader_would_read(replica, run_dir, tmp_path):
    complete = tmp_path / "rt-1.jsonl"
    complete.write_bytes((run_dir / "rt-1.jsonl").read_bytes())
    killed = tmp_path / "rt-2.jsonl"
    partial = killed.with_name(killed.name + ".part")
    # One request at a time, slowly: the crawl is surely mid-way when it is killed.
    crawl = subprocess.Popen(crawl_into(replica, killed, DOWNLOAD_DELAY="0.25", CONCURRENT_REQUESTS="1"),
                             cwd=tmp_path, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (partial.exists() and partial.stat().st_size > 0) and time.monotonic() < deadline:
            assert crawl.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.05)
        assert partial.exists(), "the crawl never started writing"
    finally:
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
    assert crawl.returncode == -signal.SIGKILL
    assert sorted(path.name for path in tmp_path.glob("*.jsonl*")) == ["rt-1.jsonl", "rt-2.jsonl.part"]
    assert not list(tmp_path.glob("*.report.json"))  # a killed run reports nothing: the scheduler sees no ok
    assert load_duckdb.run_files([tmp_path]) == [str(complete)]
    with duckdb.connect() as connection:
        assert load_duckdb.load(connection, [tmp_path]) == 32


def test_the_highest_version_of_an_article_wins_whatever_the_load_order(run_dir, tmp_path):
    first = read_jsonl(run_dir / "rt-1.jsonl")[:2]
    refreshed = [{**first[0], "version": 2, "headline": "Updated headline"}]
    (tmp_path / "refresh").mkdir()
    (tmp_path / "refresh" / "rt-2.jsonl").write_text(json.dumps(refreshed[0]) + "\n", "utf-8")
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "rt-1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in first), "utf-8")
    with duckdb.connect() as connection:
        load_duckdb.load(connection, [tmp_path / "refresh"])
        load_duckdb.load(connection, [tmp_path / "first"])  # older, loaded later
        rows = dict(connection.execute("SELECT id, headline FROM articles").fetchall())
        versions = connection.execute("SELECT max(version) FROM articles").fetchone()[0]
        load_duckdb.load(connection, [tmp_path / "first", tmp_path / "refresh"])  # both in one load
        assert dict(connection.execute("SELECT id, headline FROM articles").fetchall()) == rows
    assert rows == {first[0]["id"]: "Updated headline", first[1]["id"]: first[1]["headline"]} and versions == 2
