"""The run report: one JSON file beside each run's output, for schedulers and people.

``<output stem>.report.json`` (or NEWSBOT_REPORT_PATH) holds when the run started and ended,
the spider and its arguments, the files written, articles written, dropped by reason, errors
by kind, skips, field coverage, the provenance layer shares per field, the finish reason and
the monitors' results; ``ok`` is false and ``failures`` says why when the crawl did not finish
or a monitor failed. It is written when the engine stops (after the feeds are stored and the
monitors ran), under a temporary name and then renamed, like the output files.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsbot.extensions.feeds import feed_file_named, feed_file_stored, local_path
from newsbot.monitors import stat_counts

logger = logging.getLogger(__name__)

REPORT_SUFFIX = ".report.json"
OUTPUT_SUFFIX = re.compile(r"\.(?:jsonl|jl|json|csv|xml)(?:\.(?:gz|bz2|xz))?$")
FAILED_MONITOR = ("FAIL", "ERROR")
COVERAGE_PREFIX = "spidermon_field_coverage/"


def report_path_beside(output: str | Path) -> Path:
    """``out/rt-2024.jsonl.gz`` -> ``out/rt-2024.report.json``."""
    path = Path(output)
    return path.with_name(OUTPUT_SUFFIX.sub("", path.name) + REPORT_SUFFIX)


def write_json_atomically(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=2, default=str)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {name: round(count / total, 4) for name, count in counts.items()} if total else {}


def provenance_shares(stats: dict) -> dict[str, dict[str, float]]:
    """``{field: {layer: share of the pages whose field came from that layer}}``."""
    by_field: dict[str, dict[str, int]] = {}
    for key, count in stat_counts(stats, "newsbot/provenance/").items():
        field, _, layer = key.rpartition("/")
        by_field.setdefault(field, {})[layer] = count
    return {field: _shares(layers) for field, layers in sorted(by_field.items())}


def field_coverage(stats: dict) -> dict[str, float]:
    """Share of written articles with a non-empty value, per field (spidermon's count)."""
    coverage = {}
    for key, value in stats.items():
        if key.startswith(COVERAGE_PREFIX) and "/_items" not in key:
            field = key[len(COVERAGE_PREFIX):].split("/", 1)[-1]  # drop the item type
            coverage[field] = round(value, 4)
    return dict(sorted(coverage.items()))


def spider_arguments(spider) -> dict:
    """The spider's plain attributes: its arguments as it understood them (and Scrapyd's _job)."""
    plain = (str, int, float, bool, type(None))
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in sorted(vars(spider).items())
            if isinstance(value, (*plain, datetime)) and (not name.startswith("_") or name == "_job")}


def failures_of(finish_reason: str | None, monitor_results: list[dict]) -> list[str]:
    failures = [f"{result['monitor']}: {result['reason']}" for result in monitor_results
                if result["status"] in FAILED_MONITOR]
    if finish_reason != "finished" and not any(r["monitor"] == "Finish Reason Monitor" for r in monitor_results):
        failures.insert(0, f"crawl did not finish: finish reason {finish_reason!r}")
    return failures


class RunReport:
    """Extension: learns the run's output files from the feed storage's signals
    (newsbot.extensions.feeds) and writes the report when the engine stops."""

    def __init__(self, crawler):
        if not crawler.settings.getbool("NEWSBOT_REPORT_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.explicit_path = crawler.settings.get("NEWSBOT_REPORT_PATH")
        self.first_output: str | None = None
        self.spider = None
        self.started_at: datetime | None = None
        self.stored: dict[str, int | None] = {}  # path -> records, in the order the files were completed
        self.slot_counts: dict[str, int] = {}  # path -> items, as Scrapy counted its feed slot

    @classmethod
    def from_crawler(cls, crawler):
        report = cls(crawler)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.feed_file_named, signal=feed_file_named)
        crawler.signals.connect(report.feed_file_stored, signal=feed_file_stored)
        crawler.signals.connect(report.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(report.engine_stopped, signal=signals.engine_stopped)
        return report

    @property
    def path(self) -> Path | None:
        if self.explicit_path:
            return Path(self.explicit_path)
        return report_path_beside(self.first_output) if self.first_output else None

    def spider_opened(self, spider) -> None:
        self.spider = spider
        self.started_at = datetime.now(timezone.utc)

    def feed_file_named(self, path: str | None, **_) -> None:
        if path and self.first_output is None:
            self.first_output = path

    def feed_file_stored(self, path: str, items: int | None) -> None:
        self.stored[str(Path(path).resolve())] = items

    def feed_slot_closed(self, slot) -> None:
        path = local_path(slot.uri)
        if path:
            self.slot_counts[str(Path(path).resolve())] = slot.itemcount

    @property
    def outputs(self) -> list[dict]:
        return [{"path": path, "articles": self.slot_counts.get(path) if items is None else items}
                for path, items in self.stored.items()]

    def engine_stopped(self) -> None:
        if self.path is None:
            logger.warning("No run report: no local feed to write it beside and no NEWSBOT_REPORT_PATH")
            return
        report = self.build(datetime.now(timezone.utc))
        write_json_atomically(self.path, report)
        logger.info("Run report (%s): %s", "ok" if report["ok"] else "FAILED", self.path)
    def build(self, finished_at: datetime) -> dict:
        stats = self.crawler.stats.get_stats()
        finish_reason = stats.get("finish_reason")
        monitor_results = stats.get("newsbot/monitors", [])
        failures = failures_of(finish_reason, monitor_results)
        return {
            "ok": not failures,
            "failures": failures,
            "spider": self.spider.name if self.spider else None,
            "args": spider_arguments(self.spider) if self.spider else {},
            "started_at": _iso(self.started_at),
            "finished_at": _iso(finished_at),
            "duration_seconds": round((finished_at - self.started_at).total_seconds(), 3) if self.started_at else None,
            "finish_reason": finish_reason,
            "outputs": self.outputs,
            "articles_written": stats.get("item_scraped_count", 0),
            "dropped": stat_counts(stats, "newsbot/dropped/"),
            "errors": stat_counts(stats, "newsbot/errors/"),
            "bot_walls": stat_counts(stats, "newsbot/bot_wall/"),
            "skipped": stat_counts(stats, "newsbot/skipped/"),
            "discovered": stat_counts(stats, "newsbot/discovery/"),
            "pages_fetched": stats.get("response_received_count", 0),
            "field_coverage": field_coverage(stats),
            "provenance": provenance_shares(stats),
            "monitors": monitor_results,
            "stats": {key: value for key, value in sorted(stats.items()) if key != "newsbot/monitors"},
        }
