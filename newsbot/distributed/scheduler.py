"""scrapy-redis's scheduler, remembering which requests each worker took from the shared queue."""

from __future__ import annotations

import pickle

from scrapy_redis.scheduler import Scheduler

from newsbot.distributed.idle import RunKeys


class RecoveringScheduler(Scheduler):
    """Every request this worker pops from the run's queue is kept under ``<run>:taken:<worker>``
    until the worker's output is in place (``SharedRunIdle`` then deletes it). A worker killed
    mid-run leaves that hash behind; the live workers put its requests back in the queue, so
    what the killed worker fetched but never committed is fetched again, not lost."""

    def open(self, spider):
        super().open(spider)
        self.keys = RunKeys.of(self.queue.key)

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self.server.hset(self.keys.taken(), self.df.request_fingerprint(request),
                             pickle.dumps(request.to_dict(spider=self.spider), protocol=pickle.HIGHEST_PROTOCOL))
        return request
