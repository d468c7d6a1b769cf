"""The workers of one distributed run: liveness, ending together, recovering a killed worker's
requests, and the lifetime of the run's keys."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.misc import load_object
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy_redis import connection, defaults
from twisted.internet import threads
from twisted.internet.task import LoopingCall

from newsbot.state import StateExtension

logger = logging.getLogger("newsbot.distributed")
BEAT_SECONDS = 1.0
# A worker silent this long may be dead: the others do not end while they cannot tell.
STALE_AFTER = 5
# A worker silent this long is dead. Longer than the state's ALIVE_EXPIRY (15 s), so that its
# state run is known dead, and settled, before its requests go back into the queue.
WORKER_EXPIRY = 20
TAKES_STAT = "scheduler/dequeued/redis"  # requests this worker took from the shared queue (scrapy-redis's)
# One round trip per beat. KEYS: workers hash, queue, then the run's other keys (their lifetime
# renewed); ARGV: worker, busy|idle, the take count it went idle at, lifetime. The workers hash
# holds "<busy|idle> <server time of the beat> <take count>"; TAKE_SCRIPT marks a worker busy
# as it takes a request, so a worker is written idle only while no take came after it went
# idle. Returns the server's clock, the queue's length and the whole hash, all of one moment.
BEAT_SCRIPT = """
local now = redis.call('TIME')[1]
local takes = string.match(redis.call('HGET', KEYS[1], ARGV[1]) or '', '(%d+)$') or '0'
local state = 'busy'
if ARGV[2] == 'idle' and takes == ARGV[3] then state = 'idle' end
redis.call('HSET', KEYS[1], ARGV[1], state .. ' ' .. now .. ' ' .. takes)
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return {tonumber(now), redis.call('ZCARD', KEYS[2]), redis.call('HGETALL', KEYS[1])}
"""
# A dead worker out of the workers hash and what it took back in the queue, as it was queued,
# at once; nothing when it beat again meanwhile or another worker recovered it. KEYS: workers
# hash, taken:<dead worker>, queue; ARGV: the dead worker, WORKER_EXPIRY. Returns the count
# put back, or -1.
RECOVER_SCRIPT = """
local beat = string.match(redis.call('HGET', KEYS[1], ARGV[1]) or '', '^%S+ (%d+)')
if not beat or tonumber(redis.call('TIME')[1]) - tonumber(beat) <= tonumber(ARGV[2]) then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
local taken = redis.call('HVALS', KEYS[2])
for _, value in ipairs(taken) do
  local space = string.find(value, ' ', 1, true)
  redis.call('ZADD', KEYS[3], string.sub(value, 1, space - 1), string.sub(value, space + 1))
end
redis.call('DEL', KEYS[2])
return #taken
"""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one run, all under its queue key ``newsbot:<spider>:<run>:requests``."""

    queue: str

    @property
    def run(self) -> str:
        return self.queue.removesuffix(":requests")

    @property
    def workers(self) -> str:
        """Hash: worker -> "<busy|idle> <server time of its last beat> <requests it took>"."""
        return f"{self.run}:workers"

    def taken(self, worker: str | None = None) -> str:
        return f"{self.run}:taken:{worker or worker_name()}"


@dataclass(frozen=True)
class Beat:
    """One worker as the workers hash shows it."""

    state: str
    time: int  # the server's clock at its last beat
    takes: int

    @classmethod
    def parse(cls, value: bytes) -> Beat:
        state, time, takes = value.decode().split()
        return cls(state, int(time), int(takes))


class SharedRunIdle:
    """Extension (enabled by DistributedAddon). A worker whose own queue is momentarily empty
    would end at once and leave the run to the others. It ends only on a beat that saw, at one
    moment: the shared queue empty, itself idle with no request taken since it went idle, and
    every other worker idle and beating (a busy one may queue more links; a silent one may be
    dead and hold requests) - and then, of those workers, the first by name waits until the
    others have left (their output in place) or died: if one dies while ending, its requests
    are not left to nobody. Each worker beats once a second into one hash (never a SCAN), from
    a thread. A worker silent for WORKER_EXPIRY is dead: one live worker settles its state run
    and puts the requests it took back in the queue. Each beat renews the lifetime of the run's
    keys (queue, filter, workers, taken requests: NEWSBOT_RUN_KEYS_TTL), so a finished or
    abandoned run's keys expire; the state's keys never do."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.redis = connection.from_settings(crawler.settings)
        self.ttl = crawler.settings.getint("NEWSBOT_RUN_KEYS_TTL")
        self.beat_script = self.redis.register_script(BEAT_SCRIPT)
        self.recover_script = self.redis.register_script(RECOVER_SCRIPT)
        self.idle = False
        self.idle_takes = 0  # the requests it had taken when it went idle
        self.may_close = False  # what the last beat said
        self.keys: RunKeys | None = None
        self.run_keys: list[str] = []
        self.recovering: set[str] = set()
        self.done = False
        self.beat = LoopingCall(self.publish)
        self.beating = None  # the Deferred of the beat on its way

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        for handler, signal in ((extension.spider_opened, signals.spider_opened),
                                (extension.spider_idle, signals.spider_idle),
                                (extension.working, signals.request_reached_downloader),
                                (extension.outputs_closed, signals.feed_exporter_closed),
                                (extension.spider_closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal)
        return extension

    def spider_opened(self, spider) -> None:
        settings = self.crawler.settings
        names = {"spider": spider.name}
        self.keys = RunKeys(settings.get("SCHEDULER_QUEUE_KEY", defaults.SCHEDULER_QUEUE_KEY) % names)
        dupefilter = settings.get("SCHEDULER_DUPEFILTER_KEY", defaults.SCHEDULER_DUPEFILTER_KEY) % names
        self.run_keys = [self.keys.workers, self.keys.queue, dupefilter, self.keys.taken()]
        # The first beat before this worker can take a request (once, in the reactor): a worker
        # that finds the queue empty then sees that another is busy with the section page.
        self._seen(self._beat("busy", 0))
        self.beat.start(BEAT_SECONDS, now=False)

    def takes(self) -> int:
        return self.crawler.stats.get_value(TAKES_STAT) or 0

    # -- liveness --
    def publish(self):
        """One beat, off the reactor thread; what it sees decides whether this worker may end."""
        if self.done:
            return None
        self.beating = threads.deferToThread(self._beat, "idle" if self.idle else "busy", self.idle_takes)
        return self.beating.addCallbacks(self._seen, self._unseen)

    def _unseen(self, failure) -> None:
        self.may_close = False  # until a beat sees the run again
        logger.warning("Beat to the run's Redis failed: %s", failure.value)

    def _beat(self, state: str, idle_takes: int):
        return self.beat_script(keys=self.run_keys, args=[worker_name(), state, idle_takes, self.ttl])

    def _seen(self, answer) -> None:
        now, queued, flat = answer
        workers = {flat[i].decode(): Beat.parse(flat[i + 1]) for i in range(0, len(flat), 2)}
        me = worker_name()
        mine = workers.pop(me, None)
        for worker, beat in workers.items():
            if now - beat.time > WORKER_EXPIRY and worker not in self.recovering:
                self.recovering.add(worker)
                self.recover(worker)
        self.may_close = (self.idle and mine is not None and mine.state == "idle"
                          and mine.takes == self.idle_takes == self.takes()
                          and not queued
                          and all(beat.state == "idle" and now - beat.time <= STALE_AFTER for beat in workers.values())
                          and (not workers or me != min(me, *workers)))
        engine = self.crawler.engine
        if self.idle and queued and not self.done:
            self.wake()
        elif self.may_close and not self.done and engine.spider_is_idle():
            # Now, not at the engine's next idle check (up to 5 s away).
            deferred_from_coro(engine.close_spider_async(reason="finished"))

    def wake(self) -> None:
        """An idle worker takes from the shared queue now, not at the engine's next idle check (up
        to 5 s away): no public call asks Scrapy's engine for its next request, so its loop is
        scheduled directly (scrapy <2.20, checked by tests/test_distributed.py)."""
        slot = self.crawler.engine._slot
        if slot is not None:
            slot.nextcall.schedule()

    def working(self) -> None:
        self.idle = self.may_close = False

    def spider_idle(self) -> None:
        takes = self.takes()
        if not self.idle or takes != self.idle_takes:
            self.idle, self.idle_takes, self.may_close = True, takes, False
            self.publish()
        if not self.may_close:
            raise DontCloseSpider

    # -- a killed worker --
    def recover(self, worker: str):
        """Settle the dead worker's state run (its claims are released: its output never got in
        place), then put the requests it took back in the queue."""
        state = StateExtension.of(self.crawler)
        settled = state.call(state.ledger.settle_dead_runs) if state else threads.deferToThread(lambda: None)
        requeued = settled.addCallback(lambda _: threads.deferToThread(
            self.recover_script, keys=[self.keys.workers, self.keys.taken(worker), self.keys.queue],
            args=[worker, WORKER_EXPIRY]))
        requeued.addCallbacks(self._recovered, lambda failure: logger.warning(
            "Recovering the requests of worker %s failed (tried again at the next beat): %s", worker, failure.value),
            callbackArgs=(worker,))
        return requeued.addBoth(lambda _: self.recovering.discard(worker))

    def _recovered(self, requeued: int, worker: str) -> None:
        if requeued >= 0:
            self.crawler.stats.inc_value("newsbot/distributed/recovered_requests", requeued)
            logger.warning("Worker %s of the run stopped beating: the %d requests it had taken are back in the "
                           "queue", worker, requeued)

    # -- the end --
    async def outputs_closed(self) -> None:
        """The worker's output files are closed (and its state run settled): what it took is
        done, or released for a later run - not to be fetched again in this one. It leaves the
        run after its last beat has landed (that beat would write it back)."""
        if self.done:
            return
        self.done = True
        if self.beat.running:
            self.beat.stop()
        if self.beating is not None:
            await maybe_deferred_to_future(self.beating)
        with self.redis.pipeline() as leave:
            leave.delete(self.keys.taken()).hdel(self.keys.workers, worker_name()).execute()

    async def spider_closed(self) -> None:
        if self.crawler.get_extension(FeedExporter) is None:
            await self.outputs_closed()
