"""Shared fixtures: the offline replica over HTTP and end-to-end crawls in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsbot.replica import ReplicaServer, ReplicaSite

ROOT = Path(__file__).resolve().parents[1]
# Crawls of our own local replica need no politeness delay.
FAST = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "INFO"}


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict]
    log: str
    output: Path


def crawl(spider: str, output: Path, args: dict | None = None, settings: dict | None = None,
          timeout: float = 180) -> CrawlResult:
    """``scrapy crawl`` in a subprocess (a Twisted reactor cannot restart within one process)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(output)]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    for name, value in {**FAST, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    items = [json.loads(line) for line in output.read_text("utf-8").splitlines()] if output.exists() else []
    return CrawlResult(done.returncode, items, done.stderr, output)


@pytest.fixture(scope="session")
def replica_site() -> ReplicaSite:
    return ReplicaSite.from_feed()


@pytest.fixture(scope="session")
def replica(replica_site):
    with ReplicaServer(replica_site) as server:
        yield server
