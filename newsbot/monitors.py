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

from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.monitors import FieldCoverageMonitor, FinishReasonMonitor
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.contrib.scrapy.runners import LOG_MESSAGE_HEADER, SpiderMonitorResult, SpiderMonitorRunner

from newsbot.sites.generic import SITE as GENERIC

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
    """Articles reached the output, unless the section had none to give."""

    @monitors.name("The section's articles were written")
    def test_articles_written(self):
        if self.stats.get("item_scraped_count", 0):
            return
        found = stat_total(self.stats, "newsbot/discovery/articles_from_")
        skipped = stat_total(self.stats, "newsbot/skipped/")  # e.g. older than `since`: expected
        walls = self.stats.get("newsbot/errors/bot_wall", 0)
        self.assertFalse(walls and not found, f"no article written: the section could not be read, "
                         f"{walls} responses were bot walls")
        if self.crawler.settings.get("NEWSBOT_REDIS_URL"):  # its links go to the run's shared queue
            self.skipTest("one worker of a distributed run: the others may have crawled what it found")
        self.assertTrue(found or skipped, "section empty: the listing and the feeds linked to no article")
        self.assertGreaterEqual(skipped, found, f"no article written although {found} article links were found "
                                f"({skipped} skipped, dropped: {stat_counts(self.stats, 'newsbot/dropped/') or 'none'})")


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
        FieldCoverageMonitor,  # SPIDERMON_FIELD_COVERAGE_RULES
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


class _LoggerMonitorRunner(SpiderMonitorRunner):
    def create_result(self):
        return _LoggerMonitorResult(self.spider)


class SpidermonExtension(Spidermon):
    """Spidermon's extension, its monitor results logged through ``spider.logger``."""

    def _run_suites(self, spider, suites):
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            _LoggerMonitorRunner(spider=spider).run(suite, **data)
