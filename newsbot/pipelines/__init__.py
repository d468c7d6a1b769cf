"""Item pipelines, one job each; every drop is counted as newsbot/dropped/{reason} and logged."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

logger = logging.getLogger("newsbot.pipelines")


class Pipeline:
    """Base: access to the crawler's stats and one way to drop an item with a reason."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def drop(self, adapter: ItemAdapter, reason: str, detail: str = "", level: int = logging.WARNING):
        self.stats.inc_value(f"newsbot/dropped/{reason}")
        message = f"{reason}: {adapter.get('url')}" + (f" ({detail})" if detail else "")
        logger.log(level, "Dropped article %s", message)
        raise DropItem(message, log_level="DEBUG")
