"""Output faults with a repeat-run state: an output that cannot be written, a full disk, a rename
that fails. The run says so (an ERROR naming the path), commits nothing that is not in a file in
place, and the next run with the same state exports every article: 0 lost, 0 duplicated."""

from __future__ import annotations

import json

import pytest

from conftest import crawl
from newsbot.replica import ReplicaSite

from .harness import stats_of
from .server import FaultServer
from .test_faults import ARTICLE_PATH, FAULT_SETTINGS, judge_runs

pytestmark = pytest.mark.slow


def storages(name: str) -> str:
    storage = f"tests.faults.failing_output.{name}"
    return json.dumps({"": storage, "file": storage})


def crawl_then_rerun(tmp_path, fault_report, kind: str, output, settings: dict, expect_in_log: str):
    """Run 1 with the fault, run 2 healthy on the same state; judge both runs' files together."""
    site, outputs = ReplicaSite.from_feed(), tmp_path / "out"
    state = {**FAULT_SETTINGS, "NEWSBOT_STATE": tmp_path / "state.sqlite"}
    with FaultServer(site) as server:
        faulty = crawl("rt", output, {"base_url": server.base_url}, {**state, **settings})
        articles_fetched = sum(bool(ARTICLE_PATH.match(hit.path)) for hit in server.hits)
        rerun = crawl("rt", outputs / "rerun.jsonl", {"base_url": server.base_url}, state)
    (tmp_path / "faulty.log").write_text(faulty.log, "utf-8")
    errors = [line for line in faulty.log.splitlines() if " ERROR: " in line]
    assert any(expect_in_log in line for line in errors), errors or faulty.log[-3000:]
    assert stats_of(faulty.log).get("newsbot/state/committed_exported", 0) == 0
    assert rerun.returncode == 0, rerun.log[-3000:]
    judge_runs(fault_report, kind, outputs, site, [f"{kind}: {articles_fetched} article pages fetched by the "
                                                   f"faulty run, then a healthy run on the same state"])
    return faulty, articles_fetched


def test_unwritable_output_stops_the_crawl_at_start_and_loses_nothing(tmp_path, fault_report):
    blocker = tmp_path / "out" / "a-file"  # a path under a regular file: ENOTDIR, even for root
    blocker.parent.mkdir()
    blocker.write_text("not a directory")
    output = blocker / "run.jsonl"
    faulty, fetched = crawl_then_rerun(tmp_path, fault_report, "output_unwritable_at_start", output, {},
                                       str(blocker))
    assert fetched == 0  # checked before any article page was requested
    assert "'finish_reason': 'output_unwritable'" in faulty.log


def test_failed_rename_commits_nothing_and_loses_nothing(tmp_path, fault_report):
    output = tmp_path / "out" / "run.jsonl"
    crawl_then_rerun(tmp_path, fault_report, "output_rename_fails", output,
                     {"FEED_STORAGES": storages("RenameFailsStorage")}, "Error storing")
    assert not output.exists()


def test_full_disk_leaves_no_half_file_and_loses_nothing(tmp_path, fault_report):
    output = tmp_path / "out" / "run.jsonl"
    crawl_then_rerun(tmp_path, fault_report, "output_disk_full", output,
                     {"FEED_STORAGES": storages("DiskFullStorage")}, "Error storing")
    assert "No space left on device" in (tmp_path / "faulty.log").read_text("utf-8")
    assert not output.exists()
    assert output.with_name("run.jsonl.part").exists()  # the incomplete file stays beside, never in place
