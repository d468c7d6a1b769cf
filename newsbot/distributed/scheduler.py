"""scrapy-redis's scheduler, remembering which requests each worker took from the shared queue."""

from __future__ import annotations

import pickle

from scrapy import signals
from scrapy_redis.scheduler import Scheduler

from newsbot.distributed.idle import RunKeys


class RecoveringScheduler(Scheduler):
    """Every request this worker pops from the run's queue is kept under ``<run>:taken:<worker>``
    until the worker's output files are closed (``SharedRunIdle`` then deletes it). A worker killed
    mid-run leaves that hash behind; the live workers put its requests back in the queue, so
    what the killed worker fetched but never committed is fetched again, not lost. A page that
    is not an article (the section page, a feed, a listing page) is done once it arrived: its
    links go to the shared queue as it is parsed, so it is not fetched again."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        crawler.signals.connect(scheduler.response_received, signal=signals.response_received)
        return scheduler

    def open(self, spider):
        super().open(spider)
        self.keys = RunKeys(self.queue.key)

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self.server.hset(self.keys.taken(), self.df.request_fingerprint(request),
                             pickle.dumps(request.to_dict(spider=self.spider), protocol=pickle.HIGHEST_PROTOCOL))
        return request

    def response_received(self, request) -> None:
        if "canonical_url" not in request.meta:  # not an article
            self.server.hdel(self.keys.taken(), self.df.request_fingerprint(request))
