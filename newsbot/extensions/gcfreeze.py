"""What a crawl builds before its first page, kept out of the garbage collector's walks.

Everything that exists when the spider opens (modules, settings, the crawler's components and
their caches: about 90,000 objects) lives until the crawl ends. Left in the collector's oldest
generation, every full collection walks all of it again, and the crawl stops for that long: the
longest pause of a 1,000-article `rt` crawl was 41-59 ms, long enough to be the slowest admit
of a distributed run. ``gc.freeze()`` at spider open moves those objects out of the collector's
generations; a full collection then walks only what the crawl has made since (longest pause 3-5
ms, the collector's CPU 40 % less, A/B on the same replica)."""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.exceptions import NotConfigured


class FreezeStartupObjects:
    """Extension (setting ``NEWSBOT_GC_FREEZE``, default on)."""

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSBOT_GC_FREEZE"):
            raise NotConfigured
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self) -> None:
        gc.collect()  # garbage of the start-up is freed, not frozen
        gc.freeze()

    def engine_stopped(self) -> None:
        gc.unfreeze()  # a process that runs another crawl collects this one's objects as usual
