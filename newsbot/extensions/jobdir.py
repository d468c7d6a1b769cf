"""JOBDIR after a crawl that never closed: its request queue and duplicate filter are dropped.

Scrapy keeps a crawl's pending requests (``requests.queue``) and its duplicate filter
(``requests.seen``) in JOBDIR so that a crawl that *closed* (Ctrl-C once, CloseSpider) can be
resumed. Both are consistent only at that close: the disk queues (queuelib) buffer their writes
and write their headers, and the scheduler its ``active.json``, only when closing; the filter
buffers its fingerprints. After a SIGKILL, an OOM kill or a crash:

- a queue file may be empty (its header never left the killed process's buffer). The next crawl
  reopens it on its first request of that priority, queuelib raises ``struct.error``, and Scrapy
  (2.19) either drops the rest of that callback's requests (the pagination of the section: the
  run ends "finished" with a few articles) or waits forever on them (the crawl hangs);
- a queue file or ``active.json`` may be stale (from an earlier close), so requests come back
  wrong or not at all;
- the filter remembers requests whose queue entries died with the process: the pages they
  lead to are never requested again.

So a crawl that finds JOBDIR left by one that never closed discards both and discovers its
requests again from its start requests (the spiders fetch those even when a filter remembers
them); with NEWSBOT_STATE, the articles the dead run exported are not fetched again, and the
ones it had only claimed are settled from its feed files (newsbot.state). ``spider.state`` is
kept: Scrapy writes it only when a crawl closes.

A crawl holds an exclusive flock on ``JOBDIR/newsbot.lock`` while it runs (the kernel drops it
when the process dies), so a second crawl on the same JOBDIR is refused instead of discarding
the queue of a live one.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

logger = logging.getLogger(__name__)

LOCK = "newsbot.lock"
RUNNING = "newsbot.running"  # there while a crawl uses JOBDIR; left behind by one that never closed
# Scrapy's scheduler: disk queues, duplicate filter. Named in their docs, but no API gives the paths:
# Scrapy is pinned below the next release and tests/test_contracts.py checks these.
SCHEDULER_FILES = ("requests.queue", "requests.seen")


class JobdirInUse(RuntimeError):
    """Another live crawl uses this JOBDIR."""


class JobdirGuard:
    """Extension (enabled with JOBDIR). Built with the crawler, before the scheduler opens
    JOBDIR's files: discards them when the crawl that used JOBDIR last never closed."""

    def __init__(self, crawler, jobdir: str | os.PathLike):
        self.crawler = crawler
        self.jobdir = Path(jobdir)
        self._lock: int | None = None
        self.discarded: list[str] | None = None  # what a crawl that never closed left, once discarded

    @classmethod
    def from_crawler(cls, crawler):
        jobdir = job_dir(crawler.settings)
        if not jobdir:
            raise NotConfigured
        guard = cls(crawler, jobdir)
        guard.open()
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(guard.engine_stopped, signal=signals.engine_stopped)
        return guard

    def open(self) -> None:
        descriptor = os.open(self.jobdir / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise JobdirInUse(f"JOBDIR {self.jobdir} is in use by another running crawl") from None
        self._lock = descriptor
        running = self.jobdir / RUNNING
        if running.exists():
            self.discarded = self._discard()
        running.write_text(f"pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n",
                           "utf-8")

    def _discard(self) -> list[str]:
        """Remove the scheduler's files; say what they were."""
        discarded = []
        for name in SCHEDULER_FILES:
            path = self.jobdir / name
            if path.is_dir():
                files = [file.stat().st_size for file in path.rglob("*") if file.is_file()]
                discarded.append(f"{name}: {len(files)} files, {sum(files)} bytes")
                shutil.rmtree(path)
            elif path.exists():
                discarded.append(f"{name}: {path.stat().st_size} bytes")
                path.unlink()
        return discarded

    def spider_opened(self) -> None:
        if self.discarded is None:
            return
        self.crawler.stats.set_value("newsbot/jobdir/discarded_after_unclean_end", 1)
        logger.warning(
            "JOBDIR %s: the crawl that used it last never closed (killed or crashed), so the requests it had "
            "queued and its duplicate filter cannot be trusted: discarded them (%s); this crawl discovers its "
            "requests again from its start requests", self.jobdir,
            "; ".join(self.discarded) or "nothing on disk")

    def engine_stopped(self) -> None:
        # After the scheduler closed (queues, active.json, requests.seen written) and every
        # spider_closed handler ran (spider.state): JOBDIR can be resumed from.
        (self.jobdir / RUNNING).unlink(missing_ok=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
