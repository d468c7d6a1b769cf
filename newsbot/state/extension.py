"""The state in a crawl: opened when the spider opens, asked by the spider before each article
request and by the dedupe pipeline for each item, and committed once the feed is in place.

Settings: ``NEWSBOT_STATE`` (path of the SQLite state; unset: a temporary one, so duplicates
are found within the run and every run is complete), ``NEWSBOT_REFRESH``,
``NEWSBOT_KEEP_DUPLICATES``.
"""

from __future__ import annotations

import logging
import os

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage

from newsbot.state.fingerprint import Fingerprinter
from newsbot.state.ledger import ALREADY_EXPORTED, CLAIMED_BY_OTHER_RUN, KNOWN_COPY, Ledger, Settlement, Verdict
from newsbot.distributed import open_store

logger = logging.getLogger("newsbot.state")
JSON_LINES_FORMATS = ("jsonlines", "jsonl", "jl")  # the feeds a later run can read back to settle a crash


class StateExtension:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = settings.get("NEWSBOT_STATE") or None
        self.ledger = Ledger(open_store(self.path), Fingerprinter(), refresh=settings.getbool("NEWSBOT_REFRESH"),
                             keep_duplicates=settings.getbool("NEWSBOT_KEEP_DUPLICATES"))
        self._feed_exporter: FeedExporter | None = None
        self._feeds_recorded: set[str] = set()
        self._in_flight: dict[int, tuple[str, int]] = {}  # emitted items not yet in the feed
        self._finished = False

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        for handler, signal in ((extension.spider_opened, signals.spider_opened),
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

    # -- the run --
    def spider_opened(self) -> None:
        self._feed_exporter = self.crawler.get_extension(FeedExporter)
        for settlement in self.ledger.start():
            self.stats.inc_value("newsbot/state/recovered_runs")
            self._count_settlement("recovered", settlement)
            logger.log(logging.WARNING if settlement.exported or settlement.released else logging.DEBUG,
                       "State: run %s ended without committing; from its feed files, %d of its articles "
                       "count as exported and %d were released to be exported again",
                       settlement.run, settlement.exported, settlement.released)
        ledger = self.ledger
        if self.path:
            exported = ledger.store.exported_count()
            self.stats.set_value("newsbot/state/exported_before", exported)
            logger.info("State: %s (%d articles exported by earlier runs): only new articles are fetched and "
                        "emitted%s; duplicates %s", self.path, exported,
                        ", and exported ones re-read and re-emitted when changed (refresh)" if ledger.refresh else "",
                        "kept with duplicate_of" if ledger.keep_duplicates else "dropped")
        else:
            logger.info("State: none (NEWSBOT_STATE unset): every article is fetched and emitted; duplicates "
                        "within this run are %s", "kept with duplicate_of" if ledger.keep_duplicates else "dropped")

    def skip_request(self, canonical_url: str) -> bool:
        """True when the article need not be fetched: exported before, or claimed by another run."""
        reason = self.ledger.skip_reason(canonical_url)
        if reason:
            self.stats.inc_value(f"newsbot/skipped/{reason}")
            logger.debug("Not fetching %s: %s", canonical_url, reason)
        return reason is not None

    def admit(self, item, article_id: str, canonical_url: str, source_url: str | None, modified_at: str | None,
              body: str) -> Verdict:
        """The ledger's verdict on one item; an emitted one is claimed until the feed is committed."""
        self._record_feeds()
        verdict = self.ledger.admit(self.ledger.candidate(article_id, canonical_url, source_url, modified_at, body))
        if verdict.emit:
            self._in_flight[id(item)] = (article_id, verdict.version)
        return verdict

    def _record_feeds(self) -> None:
        """Note the run's JSON-lines files before any item can reach them (each batch is a new one)."""
        for slot in self._feed_exporter.slots if self._feed_exporter else ():
            if isinstance(slot.storage, FileFeedStorage) and slot.format in JSON_LINES_FORMATS:
                path = os.path.abspath(slot.storage.path)
                if path not in self._feeds_recorded:
                    self.ledger.add_feed(path)
                    self._feeds_recorded.add(path)

    def item_scraped(self, item) -> None:
        self._in_flight.pop(id(item), None)

    def item_lost(self, item) -> None:
        """Dropped or failed after it was claimed: the claim goes, a later run may export it."""
        claim = self._in_flight.pop(id(item), None)
        if claim:
            self.ledger.withdraw(*claim)
            self.stats.inc_value("newsbot/state/withdrawn")

    def feed_exporter_closed(self) -> None:
        failed = any(key.startswith("feedexport/failed_count/") for key in self.stats.get_stats())
        # Exported = in a JSON-lines file that is in place: a feed that never opened, a full disk
        # or a failed rename must not commit what is not there (the files are read back).
        self._finish(output_complete=not failed, verify_feeds=bool(self._feeds_recorded))

    def spider_closed(self) -> None:
        if self._feed_exporter is None:  # no feed: what the pipelines let through is the output
            self._finish(output_complete=True)

    def _finish(self, output_complete: bool, verify_feeds: bool = False) -> None:
        if self._finished:
            return
        self._finished = True
        settlement = self.ledger.finish(output_complete, verify_feeds=verify_feeds)
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

    def engine_stopped(self) -> None:
        self.ledger.close()
