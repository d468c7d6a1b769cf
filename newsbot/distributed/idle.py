"""Workers of one distributed run end together: none leaves while the run still has work."""

from __future__ import annotations

import os
import socket

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis import connection, defaults
from twisted.internet.task import LoopingCall

BEAT_SECONDS = 1.0
WORKER_EXPIRY = 5  # seconds: a killed worker stops counting as busy this long after its last beat


class SharedRunIdle:
    """Extension (enabled by DistributedAddon). A worker whose own queue is momentarily empty
    would end at once and leave the run to the others; it stays while the shared queue holds
    requests or another worker of the run is busy (its pages may link to more). Each worker
    publishes "busy"/"idle" under ``<queue key>:workers:<host>:<pid>``, refreshed every second."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.redis = connection.from_settings(crawler.settings)
        self.idle = False
        self.queue = None
        self.worker_key = ""
        self.beat = LoopingCall(self.publish)

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        for handler, signal in ((extension.spider_opened, signals.spider_opened),
                                (extension.spider_idle, signals.spider_idle),
                                (extension.working, signals.request_reached_downloader),
                                (extension.working, signals.response_received),
                                (extension.spider_closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal)
        return extension

    def spider_opened(self, spider) -> None:
        settings = self.crawler.settings
        queue_key = settings.get("SCHEDULER_QUEUE_KEY", defaults.SCHEDULER_QUEUE_KEY)
        queue_class = load_object(settings.get("SCHEDULER_QUEUE_CLASS", defaults.SCHEDULER_QUEUE_CLASS))
        self.queue = queue_class(server=self.redis, spider=spider, key=queue_key)
        self.worker_key = f"{self.queue.key}:workers:{socket.gethostname()}:{os.getpid()}"
        self.beat.start(BEAT_SECONDS)

    def publish(self) -> None:
        self.redis.set(self.worker_key, "idle" if self.idle else "busy", ex=WORKER_EXPIRY)

    def working(self) -> None:
        self.idle = False

    def spider_idle(self) -> None:
        self.idle = True
        self.publish()
        if len(self.queue) or self.others_busy():
            raise DontCloseSpider

    def others_busy(self) -> bool:
        others = [key for key in self.redis.scan_iter(match=f"{self.queue.key}:workers:*")
                  if key.decode() != self.worker_key]
        return any(state == b"busy" for state in self.redis.mget(others)) if others else False

    def spider_closed(self) -> None:
        if self.beat.running:
            self.beat.stop()
        self.redis.delete(self.worker_key)
