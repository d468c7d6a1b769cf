"""The state in a crawl, as one Scrapy component (``StateAddon`` installs its three parts):

- ``StateExtension``: the bookkeeping - opens the store, registers the run, records its output
  files, and commits the run's claims once its output is in place;
- ``newsbot.state.middleware.SkipExportedMiddleware``: a downloader middleware (like Scrapy's
  robots.txt one) that drops a request for an article an earlier run exported;
- ``newsbot.pipelines.dedupe.DeduplicatePipeline``: the admit of each item.

Every store call runs in the extension's own thread, one at a time and in order: a SQLite
transaction or a Redis round trip never holds up the reactor.

Settings: ``NEWSBOT_STATE`` (path of the SQLite state or a Redis URL; unset: a temporary
SQLite one, so duplicates are found within the run and every run is complete),
``NEWSBOT_STATE_BACKENDS``, ``NEWSBOT_REFRESH``, ``NEWSBOT_KEEP_DUPLICATES``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.python.threadpool import ThreadPool

from newsbot.extensions.feeds import feed_file_named
from newsbot.state.fingerprint import Fingerprinter
from newsbot.state.ledger import ALREADY_EXPORTED, CLAIMED_BY_OTHER_RUN, KNOWN_COPY, Ledger, Settlement, Verdict
from newsbot.state.store import open_store

logger = logging.getLogger("newsbot.state")
SLOW_ADMIT = 0.005  # seconds: an admit slower than this is counted (newsbot/state/slow_admits)
JSON_LINES_FORMATS = ("jsonlines", "jsonl", "jl")  # the feeds a later run can read back to settle a crash


def core_wait_seconds() -> float:
    """Seconds the calling thread has waited, ready to run, for a core (Linux schedstat; 0 elsewhere)."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as schedstat:
            return int(schedstat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class StateExtension:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = settings.get("NEWSBOT_STATE") or None
        self.ledger = Ledger(open_store(self.path, settings.getdict("NEWSBOT_STATE_BACKENDS")), Fingerprinter(),
                             refresh=settings.getbool("NEWSBOT_REFRESH"),
                             keep_duplicates=settings.getbool("NEWSBOT_KEEP_DUPLICATES"))
        self._thread = ThreadPool(minthreads=1, maxthreads=1, name="newsbot-state")  # started by the first call
        self._feed_exporter: FeedExporter | None = None
        self._feeds_recorded: set[str] = set()  # this run's JSON-lines output files
        self._in_flight: dict[int, tuple[str, int]] = {}  # emitted items not yet in the feed
        self._finished = False

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        for handler, signal in ((extension.spider_opened, signals.spider_opened),
                                (extension.feed_file_named, feed_file_named),
                                (extension.item_scraped, signals.item_scraped),
                                (extension.item_lost, signals.item_dropped),
                                (extension.item_lost, signals.item_error),
                                (extension.feed_exporter_closed, signals.feed_exporter_closed),
                                (extension.spider_closed, signals.spider_closed),
                                (extension.engine_stopped, signals.engine_stopped)):
            crawler.signals.connect(handler, signal=signal)
        return extension

    @staticmethod
    def of(crawler) -> StateExtension | None:
        return crawler.get_extension(StateExtension)

    def call(self, function, *args):
        """A Deferred of ``function(*args)`` run in the state's thread, after every earlier call."""
        from twisted.internet import reactor  # the one Scrapy installed (importing it earlier installs another)

        if not self._thread.started and not self._thread.joined:
            self._thread.start()
            # Stopped at engine_stopped, and at the reactor's shutdown whatever happened: a crawl
            # closed while opening (unwritable output) never sends engine_stopped, and a live
            # thread of this pool would keep the process from exiting.
            reactor.addSystemEventTrigger("during", "shutdown", self._stop_thread)
        return threads.deferToThreadPool(reactor, self._thread, function, *args)

    def _stop_thread(self) -> None:
        if self._thread.started:
            self._thread.stop()

    async def run(self, function, *args) -> Any:
        return await maybe_deferred_to_future(self.call(function, *args))

    # -- the run --
    async def spider_opened(self) -> None:
        self._feed_exporter = self.crawler.get_extension(FeedExporter)
        settlements, exported = await self.run(self._open)
        for settlement in settlements:
            self.stats.inc_value("newsbot/state/recovered_runs")
            self._count_settlement("recovered", settlement)
            logger.log(logging.WARNING if settlement.exported or settlement.released else logging.DEBUG,
                       "State: run %s ended without committing; from its feed files, %d of its articles "
                       "count as exported and %d were released to be exported again",
                       settlement.run, settlement.exported, settlement.released)
        ledger = self.ledger
        if self.path:
            self.stats.set_value("newsbot/state/exported_before", exported)
            logger.info("State: %s (%d articles exported by earlier runs): only new articles are fetched and "
                        "emitted%s; duplicates %s", self.path, exported,
                        ", and exported ones re-read and re-emitted when changed (refresh)" if ledger.refresh else "",
                        "kept with duplicate_of" if ledger.keep_duplicates else "dropped")
        else:
            logger.info("State: none (NEWSBOT_STATE unset): every article is fetched and emitted; duplicates "
                        "within this run are %s", "kept with duplicate_of" if ledger.keep_duplicates else "dropped")

    def _open(self) -> tuple[list[Settlement], int]:
        settlements = self.ledger.start()
        return settlements, self.ledger.store.exported_count() if self.path else 0

    def feed_file_named(self, path: str | None, feed_format: str | None, **_) -> None:
        """Note each local JSON-lines file (and part) of the run before any item can reach it (the
        state's thread keeps the order)."""
        if path and feed_format in JSON_LINES_FORMATS and (path := os.path.abspath(path)) not in self._feeds_recorded:
            self._feeds_recorded.add(path)
            self.call(self.ledger.add_feed, path).addErrback(
                lambda failure: logger.error("State: cannot record the output file %s (a crash of this run would "
                                             "then release what it holds): %s", path, failure.value))

    async def skip_reason(self, canonical_url: str, article_id: str | None = None) -> str | None:
        """Why the article need not be fetched (exported before, or claimed by another run), or None."""
        reason = await self.run(self.ledger.skip_reason, canonical_url, article_id)
        if reason:
            self.stats.inc_value(f"newsbot/skipped/{reason}")
        return reason

    async def admit(self, item, article_id: str, canonical_url: str, source_url: str | None,
                    modified_at: str | None, body: str) -> Verdict:
        """The ledger's verdict on one item; an emitted one is claimed until the feed is committed."""
        verdict, seconds, cpu, core_wait = await self.run(self._admit, article_id, canonical_url, source_url,
                                                          modified_at, body)
        self.stats.max_value("newsbot/state/slowest_admit_ms", round(seconds * 1000, 2))
        self.stats.max_value("newsbot/state/slowest_admit_but_core_wait_ms", round((seconds - core_wait) * 1000, 2))
        self.stats.max_value("newsbot/state/slowest_admit_cpu_ms", round(cpu * 1000, 2))
        self.stats.inc_value("newsbot/state/admit_cpu_ms", cpu * 1000)
        self.stats.inc_value("newsbot/state/admits")
        if seconds > SLOW_ADMIT:
            self.stats.inc_value("newsbot/state/slow_admits")
        if verdict.emit:
            self._in_flight[id(item)] = (article_id, verdict.version)
        return verdict

    def _admit(self, *fields) -> tuple[Verdict, float, float, float]:
        """The verdict, and how long the ledger's decision and claim took (after the fingerprint):
        wall time, the CPU time of this thread, and the time it was ready to run but waited for a
        core (a machine busy with other work); the rest is waiting for the store or for the
        interpreter lock."""
        candidate = self.ledger.candidate(*fields)
        started, cpu, core_wait = time.perf_counter(), time.thread_time(), core_wait_seconds()
        verdict = self.ledger.admit(candidate)
        return (verdict, time.perf_counter() - started, time.thread_time() - cpu,
                core_wait_seconds() - core_wait)

    def item_scraped(self, item) -> None:
        self._in_flight.pop(id(item), None)

    async def item_lost(self, item) -> None:
        """Dropped or failed after it was claimed: the claim goes, a later run may export it."""
        claim = self._in_flight.pop(id(item), None)
        if claim:
            self.stats.inc_value("newsbot/state/withdrawn")
            await self.run(self.ledger.withdraw, *claim)

    # -- the commit: the run's claims count as exported only once its output is in place --
    def output_in_place(self) -> bool:
        """Whether every output file of the run was stored (the feed exporter counted no failure)."""
        return not any(key.startswith("feedexport/failed_count/") for key in self.stats.get_stats())

    async def feed_exporter_closed(self) -> None:
        await self._finish(output_complete=self.output_in_place(), verify_feeds=bool(self._feeds_recorded))

    async def spider_closed(self) -> None:
        if self._feed_exporter is None:  # no feed: what the pipelines let through is the output
            await self._finish(output_complete=True)

    async def _finish(self, output_complete: bool, verify_feeds: bool = False) -> None:
        if self._finished:
            return
        self._finished = True
        # Exported = in a JSON-lines file that is in place: a feed that never opened, a full disk
        # or a failed rename must not commit what is not there (the files are read back).
        settlement = await self.run(lambda: self.ledger.finish(output_complete, verify_feeds=verify_feeds))
        self._count_settlement("committed", settlement)
        if self.path:
            skipped = {reason: self.stats.get_value(f"newsbot/skipped/{reason}", 0)
                       for reason in (ALREADY_EXPORTED, KNOWN_COPY, CLAIMED_BY_OTHER_RUN)}
            logger.info("State: %d articles committed as exported to %s (%d released); not fetched: %d already "
                        "exported, %d known copies, %d claimed by another run", settlement.exported, self.path,
                        settlement.released, *skipped.values())

    def _count_settlement(self, kind: str, settlement: Settlement) -> None:
        self.stats.inc_value(f"newsbot/state/{kind}_exported", settlement.exported)
        self.stats.inc_value(f"newsbot/state/{kind}_released", settlement.released)

    async def engine_stopped(self) -> None:
        try:
            await self.run(self.ledger.close)
        finally:
            self._stop_thread()
