"""Checks at the end of every crawl (spidermon): did the run do its job?

Spidermon's own monitors check the finish reason and field coverage; newsbot's check what only
newsbot's stats can tell: articles written where the section had some, the share of errors,
bot walls, and layout drift (fields that fell back from the site's selectors to generic
extraction). A failed check is logged as an ERROR by spidermon and recorded in the stats as
``newsbot/monitors`` (read by the run report; a failure makes ``newsbot run`` exit non-zero).
Thresholds are settings (see settings.py, "monitoring").
"""

from __future__ import annotations

import logging

from scrapy import signals
from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.monitors import FinishReasonMonitor
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.contrib.scrapy.runners import LOG_MESSAGE_HEADER, SpiderMonitorResult, SpiderMonitorRunner

from newsbot.pipelines.clean import EXTRACTED, EXTRACTED_FIELD
from newsbot.sites.generic import SITE as GENERIC
from newsbot.state.ledger import (ALREADY_EXPORTED, CLAIMED_BY_OTHER_RUN, DUPLICATE_CONTENT, DUPLICATE_ID,
                                  DUPLICATE_SOURCE, DUPLICATE_URL, KNOWN_COPY, NEAR_DUPLICATE, UNCHANGED)

logger = logging.getLogger(__name__)
# Drops that are the state doing its job (copies, repeats, earlier or concurrent runs), not a fault.
ROUTINE_DROPS = frozenset({ALREADY_EXPORTED, CLAIMED_BY_OTHER_RUN, DUPLICATE_CONTENT, DUPLICATE_ID, DUPLICATE_SOURCE,
                           DUPLICATE_URL, KNOWN_COPY, NEAR_DUPLICATE, UNCHANGED})

# Which site selector stands for each field that has a generic fallback.
SELECTOR_OF_FIELD = {"headline": "headline", "body": "body", "published_at": "published"}


def stat_total(stats, prefix: str) -> int:
    return sum(value for key, value in stats.items() if key.startswith(prefix) and isinstance(value, (int, float)))


def stat_counts(stats, prefix: str) -> dict[str, int]:
    """``{rest of key: count}`` of the counters under ``prefix``."""
    return {key[len(prefix):]: value for key, value in sorted(stats.items())
            if key.startswith(prefix) and isinstance(value, (int, float))}


@monitors.name("Articles written")
class ArticlesWrittenMonitor(BaseScrapyMonitor):
    """Articles reached the output, unless the section had none to give (all older than
    ``since``, exported before, unchanged, claimed by a concurrent run, or copies)."""

    @monitors.name("The section's articles were written")
    def test_articles_written(self):
        if self.stats.get("item_scraped_count", 0):
            return
        found = stat_total(self.stats, "newsbot/discovery/articles_from_")
        skipped = stat_total(self.stats, "newsbot/skipped/")  # e.g. older than `since`: expected
        dropped = stat_counts(self.stats, "newsbot/dropped/")
        routine = sum(count for reason, count in dropped.items() if reason in ROUTINE_DROPS)
        walls = self.stats.get("newsbot/errors/bot_wall", 0)
        self.assertFalse(walls and not found, f"no article written: the section could not be read, "
                         f"{walls} responses were bot walls")
        if not found and self.stats.get("newsbot/distributed/filtered"):
            self.skipTest("one worker of a distributed run: the others crawled what it was given")
        if not (found or skipped):
            errors = {kind: count for kind, count in stat_counts(self.stats, "newsbot/errors/").items() if count}
            self.assertFalse(errors, "section unreachable: " + ", ".join(f"{kind} {n}" for kind, n in errors.items()))
            self.fail("section empty: the listing and the feeds linked to no article")
        self.assertGreaterEqual(skipped + routine, found, f"no article written although {found} article links were "
                                f"found ({skipped} skipped, dropped: {dropped or 'none'})")


@monitors.name("Drops and fixes")
class DropShareMonitor(BaseScrapyMonitor):
    """Articles dropped for a fault (not as copies or repeats), or with a field left empty for want
    of a usable value, stay under NEWSBOT_MAX_DROP_SHARE of the articles extracted."""

    @monitors.name("Faulty articles under the allowed share")
    def test_drop_share(self):
        failed = self.stats.get("newsbot/errors/extraction_failed", 0)  # lost before they were extracted
        attempted = self.stats.get(EXTRACTED, 0) + failed
        if not attempted:
            self.skipTest("no article page read")
        limit = self.crawler.settings.getfloat("NEWSBOT_MAX_DROP_SHARE", 0.1)
        dropped = {reason: count for reason, count in stat_counts(self.stats, "newsbot/dropped/").items()
                   if reason not in ROUTINE_DROPS}
        problems = []
        for title, counts in (("dropped", {**({"extraction_failed": failed} if failed else {}), **dropped}),
                              ("fixed", stat_counts(self.stats, "newsbot/fixed/"))):
            total = sum(counts.values())
            if total / attempted > limit:
                problems.append(f"{title} {total} of {attempted} ({total / attempted:.0%}): "
                                + ", ".join(f"{reason} {count}" for reason, count in counts.items()))
        self.assertFalse(problems, "; ".join(problems) + f" (allowed share {limit:.0%})")


@monitors.name("Field coverage")
class ExtractedCoverageMonitor(BaseScrapyMonitor):
    """Per field, the share of extracted articles (before any drop: a dropped article counts)
    with a value stays at or over its SPIDERMON_FIELD_COVERAGE_RULES threshold."""

    @monitors.name("Fields present on extracted articles")
    def test_field_coverage(self):
        extracted = self.stats.get(EXTRACTED, 0)
        if not extracted:
            self.skipTest("no article extracted")
        rules = self.crawler.settings.getdict("SPIDERMON_FIELD_COVERAGE_RULES")
        short = []
        for rule, threshold in rules.items():
            field = rule.split("/", 1)[-1]  # "Article/published_at"
            present = self.stats.get(EXTRACTED_FIELD + field, 0)
            if present / extracted < float(threshold):
                short.append(f"{field} {present}/{extracted} ({present / extracted:.0%} < {float(threshold):.0%})")
        self.assertFalse(short, "fields missing on extracted articles: " + ", ".join(short))


@monitors.name("Bot walls")
class BotWallMonitor(BaseScrapyMonitor):
    """The site did not answer with challenge or block pages (NEWSBOT_MAX_BOT_WALLS)."""

    @monitors.name("No more bot walls than allowed")
    def test_bot_walls(self):
        walls = self.stats.get("newsbot/errors/bot_wall", 0)
        allowed = self.crawler.settings.getint("NEWSBOT_MAX_BOT_WALLS", 0)
        vendors = ", ".join(f"{vendor} {count}" for vendor, count in stat_counts(self.stats, "newsbot/bot_wall/").items())
        self.assertLessEqual(walls, allowed, f"{walls} responses were bot walls (challenge or block pages: {vendors}); "
                             f"allowed {allowed}")


@monitors.name("Error ratio")
class ErrorRatioMonitor(BaseScrapyMonitor):
    """Errors (newsbot/errors/*) per request stay under NEWSBOT_MAX_ERROR_RATIO."""

    @monitors.name("Errors per request under the limit")
    def test_error_ratio(self):
        errors = stat_total(self.stats, "newsbot/errors/")
        requests = self.stats.get("downloader/request_count", 0)
        limit = self.crawler.settings.getfloat("NEWSBOT_MAX_ERROR_RATIO", 0.1)
        ratio = errors / requests if requests else 0.0
        kinds = ", ".join(f"{kind} {count}" for kind, count in stat_counts(self.stats, "newsbot/errors/").items())
        self.assertLessEqual(ratio, limit, f"too many errors: {errors} in {requests} requests ({ratio:.1%} > "
                             f"{limit:.1%}): {kinds}")


@monitors.name("Layout drift")
class LayoutDriftMonitor(BaseScrapyMonitor):
    """Fields the site module has selectors for did not fall back to generic extraction on more
    than NEWSBOT_MAX_GENERIC_SHARE of the pages (the site's layout changed)."""

    @monitors.name("Fields come from the site's selectors or structured data")
    def test_layout_drift(self):
        site = getattr(self.data.spider, "site", None)
        if site is None or site.name == GENERIC.name:
            self.skipTest("no site module: generic extraction is the plan, not a drift")
        limit = self.crawler.settings.getfloat("NEWSBOT_MAX_GENERIC_SHARE", 0.2)
        drifted = []
        for field, selector in SELECTOR_OF_FIELD.items():
            if not getattr(site.selectors, selector):
                continue  # the site module declares nothing here: generic is the plan, not drift
            layers = stat_counts(self.stats, f"newsbot/provenance/{field}/")
            total, generic = sum(layers.values()), layers.get("generic", 0)
            if total and generic / total > limit:
                drifted.append(f"{field} {generic}/{total}")
        self.assertFalse(drifted, f"fields from generic extraction instead of the site's selectors "
                         f"or structured data: {', '.join(drifted)} (allowed share {limit:.0%})")


def _last_line(traceback: str | None) -> str | None:
    return traceback.strip().splitlines()[-1] if traceback else None


class CrawlMonitorSuite(MonitorSuite):
    """Run at spider close (SPIDERMON_SPIDER_CLOSE_MONITORS)."""

    monitors = [
        FinishReasonMonitor,  # SPIDERMON_EXPECTED_FINISH_REASONS, default ["finished"]
        ArticlesWrittenMonitor,
        BotWallMonitor,
        ErrorRatioMonitor,
        DropShareMonitor,
        ExtractedCoverageMonitor,  # SPIDERMON_FIELD_COVERAGE_RULES, over extracted articles
        LayoutDriftMonitor,
    ]

    def on_monitors_finished(self, result):
        # For the run report and the scheduled-job command's exit status.
        self._crawler.stats.set_value("newsbot/monitors", [
            {"monitor": outcome.monitor.monitor_name, "check": outcome.monitor.method_name,
             "status": outcome.status, "reason": outcome.reason or _last_line(outcome.error)}
            for outcome in result.monitor_results
        ])


# -- spidermon logs through Spider.log(), deprecated since Scrapy 2.19: the same, via spider.logger --

class _LoggerMonitorResult(SpiderMonitorResult):
    def log(self, msg, level=logging.DEBUG):
        self.spider.logger.log(level, "[%s] %s", LOG_MESSAGE_HEADER, msg)

    def write_errors(self):
        """Not here, mid-log with tracebacks: the verdict block at the end of the crawl says it."""


class _LoggerMonitorRunner(SpiderMonitorRunner):
    def create_result(self):
        return _LoggerMonitorResult(self.spider)

    def run_actions(self):
        suite = self.suite
        if suite.monitors_finished_actions or suite.monitors_passed_actions or suite.monitors_failed_actions:
            super().run_actions()
        else:  # no actions: no empty "FAILED ACTIONS" banners on a healthy run
            suite.on_monitors_finished(self.result)


def verdict_block(monitor_results: list[dict]) -> str | None:
    """The failed checks, one line each, or None when every check passed."""
    failures = [f"  {result['monitor']}: {result['reason']}" for result in monitor_results
                if result["status"] in ("FAIL", "ERROR")]
    return "\n".join([f"CHECKS FAILED ({len(failures)} of {len(monitor_results)}):", *failures]) if failures else None


class SpidermonExtension(Spidermon):
    """Spidermon's extension, its monitor results logged through ``spider.logger``, and the
    verdict as the crawl's last lines: one ERROR block when a check failed."""

    @classmethod
    def from_crawler(cls, crawler):
        extension = super().from_crawler(crawler)
        crawler.signals.connect(extension._connect_verdict, signal=signals.spider_closed)
        return extension

    def _connect_verdict(self) -> None:
        # Connected now, after every extension connected at start-up: the verdict is the last word.
        self.crawler.signals.connect(self.log_verdict, signal=signals.engine_stopped)

    def _run_suites(self, spider, suites):
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            _LoggerMonitorRunner(spider=spider).run(suite, **data)

    def log_verdict(self) -> None:
        results = self.crawler.stats.get_value("newsbot/monitors")
        if results is None:
            return
        block = verdict_block(results)
        if block:
            logger.error(block)
        else:
            logger.info("All %d checks passed", len(results))
