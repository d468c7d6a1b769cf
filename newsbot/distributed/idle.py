"""The workers of one distributed run: liveness, ending together, recovering a killed worker's
requests, and the lifetime of the run's keys."""

from __future__ import annotations

import logging
import os
import pickle
import socket
from dataclasses import dataclass

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.misc import load_object
from scrapy.utils.request import request_from_dict
from scrapy_redis import connection, defaults
from twisted.internet import threads
from twisted.internet.task import LoopingCall

from newsbot.state import StateExtension

logger = logging.getLogger("newsbot.distributed")
BEAT_SECONDS = 1.0
# A worker silent this long is dead. Longer than the state's ALIVE_EXPIRY (15 s), so that its
# state run is known dead, and settled, before its requests go back into the queue.
WORKER_EXPIRY = 20
# One round trip per beat: this worker's state and the server's clock into the workers hash,
# every run key's lifetime renewed, the whole hash back.
BEAT_SCRIPT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. now)
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return {now, redis.call('HGETALL', KEYS[1])}
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
        """Hash: worker -> "busy|idle <server time of its last beat>"."""
        return f"{self.run}:workers"

    def taken(self, worker: str | None = None) -> str:
        return f"{self.run}:taken:{worker or worker_name()}"


class SharedRunIdle:
    """Extension (enabled by DistributedAddon). A worker whose own queue is momentarily empty
    would end at once and leave the run to the others; it stays while the shared queue holds
    requests or another worker of the run is busy (its pages may link to more) or dead and not
    yet recovered. Each worker beats once a second into one hash (never a SCAN), from a thread.
    A worker silent for WORKER_EXPIRY is dead: one live worker settles its state run and puts
    the requests it took back in the queue. Each beat renews the lifetime of the run's keys
    (queue, filter, workers, taken requests: NEWSBOT_RUN_KEYS_TTL), so a finished or abandoned
    run's keys expire; the state's keys never do."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.redis = connection.from_settings(crawler.settings)
        self.ttl = crawler.settings.getint("NEWSBOT_RUN_KEYS_TTL")
        self.beat_script = self.redis.register_script(BEAT_SCRIPT)
        self.idle = False
        self.queue = None
        self.keys: RunKeys | None = None
        self.run_keys: list[str] = []
        self.others_working = True  # until the first beat says otherwise
        self.recovering: set[str] = set()
        self.done = False
        self.beat = LoopingCall(self.publish)

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        for handler, signal in ((extension.spider_opened, signals.spider_opened),
                                (extension.spider_idle, signals.spider_idle),
                                (extension.working, signals.request_reached_downloader),
                                (extension.working, signals.response_received),
                                (extension.outputs_closed, signals.feed_exporter_closed),
                                (extension.spider_closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal)
        return extension

    def spider_opened(self, spider) -> None:
        settings = self.crawler.settings
        names = {"spider": spider.name}
        queue_key = settings.get("SCHEDULER_QUEUE_KEY", defaults.SCHEDULER_QUEUE_KEY) % names
        queue_class = load_object(settings.get("SCHEDULER_QUEUE_CLASS", defaults.SCHEDULER_QUEUE_CLASS))
        self.queue = queue_class(server=self.redis, spider=spider, key=queue_key)
        self.keys = RunKeys(self.queue.key)
        dupefilter = settings.get("SCHEDULER_DUPEFILTER_KEY", defaults.SCHEDULER_DUPEFILTER_KEY) % names
        self.run_keys = [self.keys.workers, self.queue.key, dupefilter, self.keys.taken()]
        # The first beat before this worker can take a request (once, in the reactor): a worker
        # that finds the queue empty then sees that another is busy with the section page.
        self._seen(self._beat("busy"))
        self.beat.start(BEAT_SECONDS, now=False)

    # -- liveness --
    def publish(self):
        """One beat, off the reactor thread; what it sees decides the next idle check."""
        if self.done:
            return None
        return threads.deferToThread(self._beat, "idle" if self.idle else "busy").addCallbacks(
            self._seen, lambda failure: logger.warning("Beat to the run's Redis failed: %s", failure.value))

    def _beat(self, state: str):
        return self.beat_script(keys=self.run_keys, args=[worker_name(), state, self.ttl])

    def _seen(self, answer) -> None:
        now, flat = answer
        me = worker_name()
        others = {flat[i].decode(): flat[i + 1].decode().split() for i in range(0, len(flat), 2)}
        others.pop(me, None)
        dead = {worker for worker, (_, beat) in others.items() if now - int(beat) > WORKER_EXPIRY}
        self.others_working = bool(dead) or any(state == "busy" for state, _ in others.values())
        for worker in dead - self.recovering:
            self.recovering.add(worker)
            self.recover(worker)

    def working(self) -> None:
        self.idle = False

    def spider_idle(self) -> None:
        if not self.idle:
            self.idle = True
            self.publish()
        if len(self.queue) or self.others_working:
            raise DontCloseSpider

    # -- a killed worker --
    def recover(self, worker: str):
        """Settle the dead worker's state run (its claims are released: its output never got in
        place), then put the requests it took back in the queue."""
        state = StateExtension.of(self.crawler)
        settled = state.call(state.ledger.settle_dead_runs) if state else threads.deferToThread(lambda: None)
        requeued = settled.addCallback(lambda _: threads.deferToThread(self._requeue, worker))
        return requeued.addCallback(self._recovered, worker).addBoth(lambda result: self.recovering.discard(worker))

    def _requeue(self, worker: str) -> int | None:
        if not self.redis.hdel(self.keys.workers, worker):
            return None  # another live worker recovers it
        taken = self.redis.hvals(self.keys.taken(worker))
        for encoded in taken:
            self.queue.push(request_from_dict(pickle.loads(encoded), spider=self.crawler.spider))
        self.redis.delete(self.keys.taken(worker))
        return len(taken)

    def _recovered(self, requeued: int | None, worker: str) -> None:
        if requeued is not None:
            self.crawler.stats.inc_value("newsbot/distributed/recovered_requests", requeued)
            logger.warning("Worker %s of the run stopped beating: the %d requests it had taken are back in the "
                           "queue", worker, requeued)

    # -- the end --
    def outputs_closed(self) -> None:
        """The worker's output files are closed (and its state run settled): what it took is
        done, or released for a later run - not to be fetched again in this one."""
        self.done = True
        self.redis.delete(self.keys.taken())

    def spider_closed(self) -> None:
        if self.beat.running:
            self.beat.stop()
        if self.crawler.get_extension(FeedExporter) is None:
            self.outputs_closed()
        self.redis.hdel(self.keys.workers, worker_name())
