"""End to end: the verdict of healthy replica runs passes, that of broken ones fails with one line
naming the cause, and `scrapy crawl` ends with the failed checks as one ERROR block."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import CRAWL_ENV, ROOT, crawl, crawl_command, free_port
from newsbot.replica import ReplicaServer

from test_malformed_pages import BrokenReplica, with_broken_dates

pytestmark = pytest.mark.slow


def report_of(output) -> dict:
    return json.loads(output.with_name(output.stem + ".report.json").read_text("utf-8"))


def assert_passes(result) -> None:
    report = report_of(result.output)
    assert report["ok"], report["failures"]
    assert "FAILED" not in result.log and "All 7 checks passed" in result.log


def error_block(log: str) -> list[str]:
    """The verdict block: an ERROR line "CHECKS FAILED (...)" and its indented lines, at the end."""
    lines = log.splitlines()
    start = next(i for i, line in enumerate(lines) if "ERROR: CHECKS FAILED" in line)
    return [lines[start]] + [line for line in lines[start + 1:] if line.startswith("  ")]


def test_refresh_with_nothing_changed_passes(replica, tmp_path):
    state = {"NEWSBOT_STATE": tmp_path / "state.db"}
    assert_passes(crawl("rt", tmp_path / "first.jsonl", {"base_url": replica.base_url}, state))
    refresh = crawl("rt", tmp_path / "refresh.jsonl", {"base_url": replica.base_url}, {**state, "NEWSBOT_REFRESH": 1})
    assert "'newsbot/dropped/unchanged': 32" in refresh.log and not refresh.items
    assert_passes(refresh)


def test_two_concurrent_runs_on_one_state_both_pass(replica, tmp_path):
    outputs = [tmp_path / f"run{n}.jsonl" for n in range(2)]
    settings = {"NEWSBOT_STATE": tmp_path / "state.db", "DOWNLOAD_DELAY": 0.1}
    runs = [subprocess.Popen(crawl_command("rt", ["-O", str(output)], {"base_url": replica.base_url}, settings),
                             cwd=ROOT, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for output in outputs]
    logs = [run.communicate(timeout=300)[1] for run in runs]
    for output, log in zip(outputs, logs):
        assert report_of(output)["ok"], (report_of(output)["failures"], log[-2000:])


def test_closespider_itemcount_stops_close_to_the_limit_and_passes(replica, tmp_path):
    result = crawl("rt", tmp_path / "out.jsonl", {"base_url": replica.base_url}, {"CLOSESPIDER_ITEMCOUNT": 5})
    assert "'finish_reason': 'closespider_itemcount'" in result.log
    assert len(result.items) == 5
    assert_passes(result)


def test_31_of_32_articles_dropped_fails_naming_the_reason(replica_site, tmp_path):
    paths = [article.path for article in replica_site.articles if article.section == "russia"][1:]
    with ReplicaServer(BrokenReplica(replica_site, dict.fromkeys(paths, with_broken_dates))) as server:
        result = crawl("rt", tmp_path / "out.jsonl", {"base_url": server.base_url})
    assert len(result.items) == 1
    failures = report_of(result.output)["failures"]
    assert any(f.startswith("Drops and fixes: dropped 31 of 32") and "missing_published_at 31" in f for f in failures)
    assert any(f.startswith("Field coverage:") and "published_at 1/32" in f for f in failures)
    block = error_block(result.log)
    assert "Drops and fixes" in "\n".join(block) and result.log.rstrip().endswith(block[-1])


def test_a_dead_host_says_the_section_is_unreachable(tmp_path):
    result = crawl("rt", tmp_path / "out.jsonl", {"base_url": f"http://127.0.0.1:{free_port()}"},
                   {"RETRY_TIMES": 0})
    failures = report_of(result.output)["failures"]
    assert any(re.match(r"Articles written: section unreachable: \w+", f) for f in failures), failures
    assert not any("section empty" in f for f in failures)
    assert "section unreachable" in "\n".join(error_block(result.log))


def test_a_404_section_says_the_section_is_unreachable(replica, tmp_path):
    result = crawl("rt", tmp_path / "out.jsonl", {"base_url": replica.base_url, "section": "no-such-section",
                                                   "feeds": 0})
    failures = report_of(result.output)["failures"]
    assert "Articles written: section unreachable: http_404 1" in failures, failures
