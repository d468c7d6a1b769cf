"""`newsbot run`, the scheduled-job command: one file per run plus its report, and an exit
status a scheduler can act on (0 only when the crawl finished and every monitor passed)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FAST, ROOT, read_jsonl

from newsbot.replica import ReplicaServer, ReplicaSite

DEPLOY = ROOT / "deploy"


def newsbot_run(arguments: list[str], base_url: str, cwd: Path) -> subprocess.CompletedProcess:
    """``newsbot run ARGUMENTS`` against the replica at ``base_url``."""
    command = [sys.executable, "-m", "newsbot.cli", "run", *arguments, "-a", f"base_url={base_url}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=cwd,
                          env={**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"})


def run_rt(output_dir: Path, base_url: str, *options: str) -> subprocess.CompletedProcess:
    return newsbot_run(["rt", "--output-dir", str(output_dir), *options], base_url, output_dir.parent)


def the_report(output_dir: Path) -> dict:
    [report] = output_dir.glob("*.report.json")
    return json.loads(report.read_text("utf-8"))


@pytest.fixture(scope="module")
def replica_in_mode(request):
    servers = {}

    def serve(mode: str) -> ReplicaServer:
        if mode not in servers:
            servers[mode] = ReplicaServer(ReplicaSite.from_feed(mode=mode)).start()
        return servers[mode]

    yield serve
    for server in servers.values():
        server.stop()


def test_a_healthy_run_exits_zero_with_one_file_and_its_report(replica, tmp_path):
    output_dir = tmp_path / "runs"
    done = run_rt(output_dir, replica.base_url)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    [output] = output_dir.glob("rt-*.jsonl")
    assert len(read_jsonl(output)) == 32
    report = the_report(output_dir)
    assert report["ok"] and report["outputs"][0]["path"] == str(output)
    assert output.name.removesuffix(".jsonl") + ".report.json" in {p.name for p in output_dir.iterdir()}
    assert "articles written: 32" in done.stdout and "run report:" in done.stdout


def test_behind_a_bot_wall_it_exits_non_zero_and_the_report_says_bot_wall(replica_in_mode, tmp_path):
    output_dir = tmp_path / "runs"
    done = run_rt(output_dir, replica_in_mode("challenge").base_url)
    assert done.returncode == 1
    assert not list(output_dir.glob("*.jsonl"))  # a wall is never an article
    report = the_report(output_dir)
    assert not report["ok"] and report["articles_written"] == 0
    assert report["errors"] == {"bot_wall": report["bot_walls"]["cloudflare"]}  # not empty_section, not http_403
    assert any(failure.startswith("Bot walls:") and "cloudflare" in failure for failure in report["failures"])
    assert not any("section empty" in failure for failure in report["failures"])
    assert "FAILED: Bot walls" in done.stderr
    assert "[newsbot.botwall] ERROR: bot_wall:" in done.stderr


def test_after_a_redesign_it_exits_non_zero_and_the_report_says_layout_drift(replica_in_mode, tmp_path):
    output_dir = tmp_path / "runs"
    done = run_rt(output_dir, replica_in_mode("drifted").base_url)
    assert done.returncode == 1
    report = the_report(output_dir)
    assert not report["ok"] and report["articles_written"] == 32  # written, but from the wrong layer
    assert report["provenance"]["body"] == {"generic": 1.0}
    [failure] = report["failures"]
    assert failure.startswith("Layout drift:") and "body 32/32" in failure


@pytest.mark.slow
def test_gzip_and_state_options_reach_the_crawl(replica, tmp_path):
    output_dir, state = tmp_path / "runs", tmp_path / "state.sqlite"
    done = run_rt(output_dir, replica.base_url, "--gzip", "--state", str(state))
    assert done.returncode == 0, done.stderr[-3000:]
    [output] = output_dir.glob("rt-*.jsonl.gz")
    assert the_report(output_dir)["outputs"][0]["path"] == str(output)
    assert state.exists()


def test_bad_arguments_are_a_usage_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "run", "rt", "--output-dir", str(tmp_path),
                           "-a", "no-equals-sign"], capture_output=True, text=True)
    assert done.returncode == 2 and "expected NAME=VALUE" in done.stderr


def test_an_unknown_spider_is_a_usage_error_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "run", "no-such-spider", "--output-dir",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["newsbot run: no spider named 'no-such-spider'; spiders: archive, rt, section, warc"]


def test_a_crawl_that_cannot_start_exits_non_zero_without_a_report(tmp_path):
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "run", "rt", "--output-dir", str(tmp_path),
                           "-s", "FEED_STORAGES={not json"], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "wrote no run report" in done.stderr


def documented_command(line: str) -> list[str]:
    """The ``newsbot run ...`` arguments of a unit's ExecStart or a crontab line."""
    words = shlex.split(line.split(">>")[0])
    start = next(i for i, word in enumerate(words) if word.endswith("/newsbot") and words[i + 1] == "run")
    return words[start + 2:]


@pytest.mark.slow
def test_the_systemd_unit_and_the_crontab_run_the_documented_command(replica, tmp_path):
    service = (DEPLOY / "newsbot-rt.service").read_text()
    [exec_start] = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    [cron_line] = [line for line in (DEPLOY / "crontab").read_text().splitlines() if line[:1].isdigit()]
    command = documented_command(exec_start)
    assert documented_command(cron_line) == command and "--state" in command
    assert "OnCalendar=" in (DEPLOY / "newsbot-rt.timer").read_text()
    local = [word.replace("/var/lib/newsbot", str(tmp_path)) for word in command]
    done = newsbot_run(local, replica.base_url, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(list((tmp_path / "rt").glob("rt-*.jsonl"))) == 1 and (tmp_path / "state" / "rt.sqlite").exists()
