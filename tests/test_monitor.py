"""The end-of-crawl monitors, run by spidermon over the stats of healthy and broken runs."""

from __future__ import annotations

import logging

import pytest
from scrapy.utils.test import get_crawler

from newsbot.monitors import CrawlMonitorSuite, _LoggerMonitorRunner
from newsbot.settings import SPIDERMON_FIELD_COVERAGE_RULES
from newsbot.spiders.base import SiteSectionSpider
from newsbot.spiders.rt import RtSpider
from newsbot.sites.generic import SITE as GENERIC

PROJECT_MONITOR_SETTINGS = {
    "SPIDERMON_ADD_FIELD_COVERAGE": True,
    "SPIDERMON_FIELD_COVERAGE_SKIP_IF_NO_ITEM": True,
    "SPIDERMON_FIELD_COVERAGE_RULES": SPIDERMON_FIELD_COVERAGE_RULES,
    "NEWSBOT_MAX_ERROR_RATIO": 0.1,
    "NEWSBOT_MAX_BOT_WALLS": 0,
    "NEWSBOT_MAX_GENERIC_SHARE": 0.2,
}


def healthy_stats(articles: int = 32) -> dict:
    stats = {
        "finish_reason": "finished",
        "item_scraped_count": articles,
        "downloader/request_count": articles + 6,
        "newsbot/discovery/articles_from_feed": articles,
        "newsbot/discovery/articles_from_listing": 3,
    }
    for field in ("headline", "body", "published_at", "canonical_url"):
        stats[f"spidermon_field_coverage/Article/{field}"] = 1.0
    for field, layer in (("headline", "json-ld"), ("body", "selector"), ("published_at", "json-ld")):
        stats[f"newsbot/provenance/{field}/{layer}"] = articles
    return stats


def run_monitors(stats: dict, spider_class=RtSpider, **settings) -> dict[str, dict]:
    """Each monitor's result (by monitor name) for a run that ended with ``stats``."""
    crawler = get_crawler(spider_class, {**PROJECT_MONITOR_SETTINGS, **settings})
    spider = spider_class.from_crawler(crawler)
    crawler.spider = spider
    _LoggerMonitorRunner(spider=spider).run(CrawlMonitorSuite(crawler=crawler), stats=stats, crawler=crawler,
                                            spider=spider, stats_history=[], job=None)
    return {result["monitor"]: result for result in crawler.stats.get_value("newsbot/monitors")}


def failed(results: dict[str, dict]) -> dict[str, str]:
    return {name: result["reason"] for name, result in results.items() if result["status"] in ("FAIL", "ERROR")}


def test_a_healthy_run_passes_every_monitor():
    results = run_monitors(healthy_stats())
    assert set(results) == {"Finish Reason Monitor", "Articles written", "Bot walls", "Error ratio",
                            "Field Coverage Monitor", "Layout drift"}
    assert not failed(results)


@pytest.mark.parametrize("reason", ["shutdown", "closespider_timeout", "cancelled"])
def test_a_run_that_did_not_finish_fails(reason):
    stats = {**healthy_stats(), "finish_reason": reason}
    assert reason in failed(run_monitors(stats))["Finish Reason Monitor"]


def test_links_found_but_nothing_written_fails():
    stats = {**healthy_stats(), "item_scraped_count": 0, "newsbot/dropped/schema_violation": 32}
    reason = failed(run_monitors(stats))["Articles written"]
    assert "35 article links were found" in reason and "schema_violation" in reason


def test_an_empty_section_fails_and_a_fully_skipped_one_passes():
    empty = {"finish_reason": "finished", "downloader/request_count": 3, "newsbot/errors/empty_section": 0}
    assert "section empty" in failed(run_monitors(empty))["Articles written"]
    all_older = {**empty, "newsbot/discovery/articles_from_feed": 4, "newsbot/skipped/before_since": 4}
    assert "Articles written" not in failed(run_monitors(all_older))


def test_a_distributed_worker_left_without_work_is_no_empty_section():
    idle_worker = {"finish_reason": "finished", "downloader/request_count": 1, "newsbot/distributed/filtered": 2}
    redis = {"NEWSBOT_REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert run_monitors(idle_worker, **redis)["Articles written"]["status"] == "SKIPPED"
    # links it found went to the shared queue: another worker may have fetched and written them
    finder = {**idle_worker, "newsbot/discovery/articles_from_feed": 9}
    assert run_monitors(finder, **redis)["Articles written"]["status"] == "SKIPPED"


def test_bot_walls_fail_and_say_so():
    stats = {"finish_reason": "finished", "downloader/request_count": 3,
             "newsbot/errors/bot_wall": 2, "newsbot/bot_wall/cloudflare": 2}
    failures = failed(run_monitors(stats))
    assert "bot walls" in failures["Bot walls"] and "cloudflare 2" in failures["Bot walls"]
    assert "bot walls" in failures["Articles written"]  # not "section empty"
    assert "Bot walls" not in failed(run_monitors(stats, NEWSBOT_MAX_BOT_WALLS=2))


def test_error_ratio_over_the_limit_fails():
    stats = {**healthy_stats(), "downloader/request_count": 100, "newsbot/errors/http_500": 8}
    assert "Error ratio" not in failed(run_monitors(stats))
    stats["newsbot/errors/timeout"] = 3
    assert "11 in 100 requests" in failed(run_monitors(stats))["Error ratio"]


def test_field_coverage_under_its_threshold_fails():
    stats = {**healthy_stats(), "spidermon_field_coverage/Article/published_at": 0.9}
    assert "published_at" in failed(run_monitors(stats))["Field Coverage Monitor"]
    stats["spidermon_field_coverage/Article/published_at"] = 0.96
    assert not failed(run_monitors(stats))


def test_layout_drift_fails_when_too_many_fields_fall_back_to_generic():
    stats = {**healthy_stats(), "newsbot/provenance/body/selector": 25, "newsbot/provenance/body/generic": 7}
    assert "body 7/32" in failed(run_monitors(stats))["Layout drift"]
    stats.update({"newsbot/provenance/body/selector": 27, "newsbot/provenance/body/generic": 5})  # 16 %
    assert not failed(run_monitors(stats))


class GenericSectionSpider(SiteSectionSpider):
    name = "generic_section"
    site = GENERIC


def test_generic_extraction_is_no_drift_without_a_site_module():
    stats = {**healthy_stats(), "newsbot/provenance/body/selector": 0, "newsbot/provenance/body/generic": 32,
             "newsbot/provenance/headline/generic": 32}
    results = run_monitors(stats, GenericSectionSpider)
    assert not failed(results) and results["Layout drift"]["status"] == "SKIPPED"


def test_a_failed_check_is_logged_as_an_error(caplog):
    with caplog.at_level(logging.INFO):
        run_monitors({**healthy_stats(), "finish_reason": "shutdown"})
    errors = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert any("Finish Reason Monitor" in message and "shutdown" in message for message in errors)
