"""Scheduled crawls with Scrapyd: a real Scrapyd on 127.0.0.1, the project deployed to it with
scrapyd-deploy, a crawl of the replica scheduled through its HTTP API, and the JSONL and run
report it wrote found where FEEDS said."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, free_port, read_jsonl

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
PROJECT_FILES = ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md")


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A Scrapyd of its own: free port, temporary directories, its own config."""
    home, port = tmp_path / "scrapyd", free_port()
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\nitems_dir =\npoll_interval = 0.5\nmax_proc = 1\n")
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, stdout=subprocess.DEVNULL,
                               stderr=open(home / "scrapyd.err", "wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("Scrapyd did not start: " + (home / "scrapyd.err").read_text()[-2000:])
        yield base, home
    finally:
        process.terminate()
        process.wait(timeout=30)


def deploy(base: str, checkout: Path) -> None:
    """``scrapyd-deploy`` from a copy of the project, as from a fresh checkout."""
    shutil.copytree(ROOT / "newsbot", checkout / "newsbot", ignore=shutil.ignore_patterns("__pycache__"))
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, checkout / name)
    config = (checkout / "scrapy.cfg").read_text().replace("http://localhost:6800/", base + "/")
    (checkout / "scrapy.cfg").write_text(config)
    done = subprocess.run([str(BIN / "scrapyd-deploy"), "-v", "1"], cwd=checkout, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_scrapyd_runs_a_scheduled_crawl_into_one_file_and_its_report(scrapyd, replica, tmp_path):
    base, home = scrapyd
    deploy(base, tmp_path / "checkout")
    assert "rt" in api(base, "listspiders.json?project=newsbot")["spiders"]
    output_dir = tmp_path / "items"
    feed = {str(output_dir / "%(name)s-%(time)s.jsonl"): {"format": "jsonlines", "encoding": "utf8"}}
    job = api(base, "schedule.json", [
        ("project", "newsbot"), ("spider", "rt"), ("base_url", replica.base_url), ("section", "russia"),
        ("setting", f"FEEDS={json.dumps(feed)}"), ("setting", "AUTOTHROTTLE_ENABLED=0"),
        ("setting", "DOWNLOAD_DELAY=0"),
    ])["jobid"]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if any(entry["id"] == job for entry in api(base, "listjobs.json?project=newsbot")["finished"]):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"job {job} did not finish")
    [output] = output_dir.glob("rt-*.jsonl")
    assert len(read_jsonl(output)) == 32
    report = json.loads(output.with_name(output.name.removesuffix(".jsonl") + ".report.json").read_text())
    assert report["ok"] and report["articles_written"] == 32 and report["args"]["_job"] == job
    log = next((home / "logs" / "newsbot" / "rt").glob(f"{job}.log")).read_text()
    assert "Run report (ok)" in log
