"""Shared fixtures: the offline replica over HTTP and end-to-end crawls in a subprocess."""

from __future__ import annotations

import json
import os
import socket
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


def scrapy_crawl(spider: str, options: list[str], args: dict | None = None, settings: dict | None = None,
                 cwd: Path = ROOT, timeout: float = 180) -> subprocess.CompletedProcess:
    """``scrapy crawl`` in a subprocess (a Twisted reactor cannot restart within one process)."""
    return subprocess.run(crawl_command(spider, options, args, settings), cwd=cwd, env=CRAWL_ENV,
                          capture_output=True, text=True, timeout=timeout)


CRAWL_ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}


def crawl_command(spider: str, options: list[str], args: dict | None = None, settings: dict | None = None) -> list[str]:
    """The command line of ``scrapy_crawl`` (for a crawl that runs beside the test: ``subprocess.Popen``)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *options]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    for name, value in {**FAST, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    return command


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server a test starts: Scrapyd, redis-server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def crawl(spider: str, output: Path, args: dict | None = None, settings: dict | None = None,
          timeout: float = 180) -> CrawlResult:
    """Crawl into ``output`` (overwritten) and read back what was written."""
    done = scrapy_crawl(spider, ["-O", str(output)], args, settings, timeout=timeout)
    return CrawlResult(done.returncode, read_jsonl(output), done.stderr, output)


@pytest.fixture(scope="session")
def replica_site() -> ReplicaSite:
    return ReplicaSite.from_feed()


@pytest.fixture(scope="session")
def replica(replica_site):
    with ReplicaServer(replica_site) as server:
        yield server
