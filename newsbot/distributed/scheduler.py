"""scrapy-redis's scheduler, remembering which requests each worker took from the shared queue."""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.utils.request import request_from_dict
from scrapy_redis.scheduler import Scheduler

from newsbot.distributed.idle import TAKES_STAT, RunKeys, worker_name

TAKEN_META = "newsbot_taken"  # the request's field in this worker's taken-requests hash
# One script, so that no moment exists where a request is out of the queue but in no taken
# hash, or taken by a worker that the workers hash still shows idle. KEYS: the queue (a sorted
# set, scrapy-redis's PriorityQueue), taken:<worker>, workers; ARGV: worker, its take count
# after this take. Returns the request's encoding, or nil when the queue is empty.
TAKE_SCRIPT = """
local popped = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #popped == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], redis.sha1hex(popped[1]), popped[2] .. ' ' .. popped[1])
redis.call('HSET', KEYS[3], ARGV[1], 'busy ' .. redis.call('TIME')[1] .. ' ' .. ARGV[2])
return popped[1]
"""
# A request into the run's shared filter and, when new there, into the queue, in one round trip
# (scrapy-redis makes two). KEYS: filter, queue; ARGV: fingerprint ("" for dont_filter), score
# (-priority), the request's encoding. Returns 1 queued, 0 filtered.
ENQUEUE_SCRIPT = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


class RecoveringScheduler(Scheduler):
    """A request goes through the run's shared filter into its queue in one round trip. Every request this worker takes from the run's queue is kept, as queued, in
    ``<run>:taken:<worker>`` (one script: out of the queue, into that hash, and the worker
    marked busy in the workers hash). A worker killed mid-run leaves that hash behind; the live
    workers put its requests back in the queue (``SharedRunIdle``), so what the killed worker
    fetched but never committed is fetched again, not lost. An article stays there until the
    worker's output files are closed; a page that is not an article (the section page, a feed,
    a "More" fragment) leaves it once every request it links to is in the shared queue
    (``ListingDoneMiddleware``), so it is not fetched again."""

    def open(self, spider):
        super().open(spider)
        self.keys = RunKeys(self.queue.key)
        self.take_script = self.server.register_script(TAKE_SCRIPT)
        self.enqueue_script = self.server.register_script(ENQUEUE_SCRIPT)

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        encoded = self.queue.serializer.dumps(request.to_dict(spider=self.spider))
        if not self.enqueue_script(keys=[self.df.key, self.queue.key], args=[fingerprint, -request.priority, encoded]):
            # The run already has it (from this worker or another): the monitors need to know.
            self.stats.inc_value("newsbot/distributed/filtered")
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        takes = (self.stats.get_value(TAKES_STAT) or 0) + 1
        encoded = self.take_script(keys=[self.queue.key, self.keys.taken(), self.keys.workers],
                                   args=[worker_name(), takes])
        if encoded is None:
            return None
        self.stats.set_value(TAKES_STAT, takes)
        request = request_from_dict(self.queue.serializer.loads(encoded), spider=self.spider)
        request.meta[TAKEN_META] = hashlib.sha1(encoded).hexdigest()
        return request

    def done(self, request: Request) -> None:
        """The request needs no fetch again should this worker die (its links are queued)."""
        field = request.meta.get(TAKEN_META)
        if field:
            self.server.hdel(self.keys.taken(), field)


class ListingDoneMiddleware:
    """Spider middleware (the one nearest the engine). The requests a page that is not an
    article links to are handed to the engine (so into the shared queue) as the page's callback
    yields them, not after; once the callback is done, the page leaves this worker's taken
    requests: a worker killed before that point has it fetched again, not its links lost."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output(self, response, result):
        request = response.request
        if request is None or "canonical_url" in request.meta or TAKEN_META not in request.meta:
            async for output in result:
                yield output
            return
        async for output in result:
            if isinstance(output, Request):
                self.crawler.engine.crawl(output)  # what Scrapy does with it, but now
            else:
                yield output
        self.crawler.engine.scheduler.done(request)
