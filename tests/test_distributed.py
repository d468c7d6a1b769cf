"""Distributed mode: a real redis-server, the Redis state store, the canonical shared duplicate
filter, and two crawler processes over the replica that write every article exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CRAWL_ENV, crawl_command, read_jsonl

from newsbot.distributed.local import LocalRedis, redis_server_path
from newsbot.replica import ReplicaSite, expected_records
from newsbot.state import Fingerprinter, Ledger, StateError

redis = pytest.importorskip("redis")
REDIS_SERVER = redis_server_path()
# Started wherever the package installed it; skipped only on a developer's machine without it.
# Under CI (.ci/run installs it) a missing redis-server fails these tests, never skips them.
pytestmark = pytest.mark.skipif(REDIS_SERVER is None and not os.environ.get("CI"),
                                reason="needs redis-server (apt-get install redis-server)")


@pytest.fixture(scope="module")
def redis_server():
    """A redis-server of its own on 127.0.0.1: free port, temporary directory, nothing saved."""
    with LocalRedis(REDIS_SERVER) as server:
        yield server.port


@pytest.fixture
def redis_url(redis_server):
    """A clean database for each test."""
    redis.Redis(port=redis_server).flushall()
    return f"redis://127.0.0.1:{redis_server}/0"


@pytest.fixture(scope="module")
def records():
    return expected_records(ReplicaSite.from_feed())


def open_run(url, **options) -> Ledger:
    from newsbot.distributed.store import RedisStore

    ledger = Ledger(RedisStore(url), **options)
    ledger.start()
    return ledger


def admit(ledger, record, suffix=""):
    return ledger.admit(ledger.candidate(record["id"] + suffix, record["canonical_url"] + suffix, None, None,
                                         record["body"]))


# -- the Redis state store, through the ledger that uses it --

def test_an_unreachable_redis_is_a_clear_error():
    from newsbot.distributed.store import RedisStore

    with pytest.raises(StateError, match="cannot open the state redis://127.0.0.1:1/0"):
        RedisStore("redis://127.0.0.1:1/0")


def test_a_redis_state_keeps_its_fingerprint_parameters(redis_url):
    open_run(redis_url).close()
    open_run(redis_url).close()
    from newsbot.distributed.store import RedisStore

    with pytest.raises(StateError, match="num_perm"):
        Ledger(RedisStore(redis_url), Fingerprinter(num_perm=64))


def test_runs_sharing_a_redis_state_export_each_story_once(redis_url, records):
    first, second = open_run(redis_url), open_run(redis_url)
    assert all(admit(first, record).emit for record in records[:5])
    assert {admit(second, record).reason for record in records[:5]} == {"claimed_by_other_run"}
    assert second.skip_reason(records[0]["canonical_url"]) == "claimed_by_other_run"
    assert admit(second, records[0], suffix="-copy").reason  # the same text under another URL
    first.finish(output_complete=True)
    first.close()
    assert first.store.exported_count() == 5
    assert {admit(second, record).reason for record in records[:5]} == {"already_exported"}
    assert admit(second, records[5]).emit
    second.close()


def test_a_run_that_died_unfinished_is_released_to_the_next(redis_url, records):
    dead = open_run(redis_url)
    assert all(admit(dead, record).emit for record in records[:3])
    dead.store.close()  # as if killed: no longer alive, claims unsettled, no feed file
    after = open_run(redis_url)
    assert all(admit(after, record).emit for record in records[:3])
    assert after.store.exported_count() == 0
    after.close()


def test_a_new_version_replaces_the_old_one_in_the_near_duplicate_index(redis_url, records):
    record = records[0]
    first = open_run(redis_url)
    admit(first, record)
    first.finish(output_complete=True)
    first.close()
    refresh = open_run(redis_url, refresh=True)
    edited = {**record, "body": record["body"] + "\n\nUpdate: officials have since confirmed the report."}
    assert admit(refresh, edited).version == 2
    refresh.finish(output_complete=True)
    bands_of = lambda r: refresh.candidate(r["id"], r["canonical_url"], None, None, r["body"]).content.bands  # noqa: E731
    assert [(e.id, e.version) for e, _ in refresh.store.near(bands_of(edited))] == [(record["id"], 2)]
    assert (record["id"], 1) not in [(e.id, e.version) for e, _ in refresh.store.near(bands_of(record))]
    refresh.close()


# -- the shared duplicate filter --

def test_the_shared_filter_sees_url_variants_as_one_request(redis_url):
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from newsbot.distributed.dupefilter import CanonicalDupeFilter
    from newsbot.request_fingerprint import CanonicalRequestFingerprinter
    from newsbot.spiders.rt import RtSpider

    crawler = get_crawler(RtSpider, {"REDIS_URL": redis_url, "SCHEDULER_DUPEFILTER_KEY": "test:%(spider)s",
                                     "REQUEST_FINGERPRINTER_CLASS": CanonicalRequestFingerprinter})
    crawler.spider = RtSpider.from_crawler(crawler)
    workers = [CanonicalDupeFilter.from_spider(crawler.spider) for _ in range(2)]
    article = "https://www.rt.com/russia/608821-putin-kursk-governor-khinshtein/"
    assert not workers[0].request_seen(Request(article))
    for variant in (article + "?utm_source=rss&utm_medium=rss", article + "#comments", article + "amp/",
                    article.replace("www.rt.com", "rtrunews.com"), article.rstrip("/")):
        assert workers[1].request_seen(Request(variant)), variant
    assert not workers[1].request_seen(Request("https://www.rt.com/russia/608815-musk-russia/"))


# -- two workers, one crawl --

def worker(replica, output: Path, redis_url: str, run_name: str) -> subprocess.Popen:
    feed = {str(output): {"format": "jsonlines", "encoding": "utf8"}}
    settings = {"FEEDS": json.dumps(feed), "NEWSBOT_REDIS_URL": redis_url, "NEWSBOT_RUN_NAME": run_name,
                "DOWNLOAD_DELAY": "0.2", "CONCURRENT_REQUESTS": "1"}  # slow enough for both to get work
    command = crawl_command("rt", [], {"base_url": replica.base_url}, settings)
    return subprocess.Popen(command, cwd=output.parent, env=CRAWL_ENV, stdout=subprocess.DEVNULL,
                            stderr=open(output.with_suffix(".log"), "w"))


def run_workers(replica, directory: Path, redis_url: str, run_name: str) -> list[list[dict]]:
    outputs = [directory / f"{run_name}-worker{n}.jsonl" for n in (1, 2)]
    processes = [worker(replica, output, redis_url, run_name) for output in outputs]
    for process, output in zip(processes, outputs):
        assert process.wait(timeout=300) == 0, output.with_suffix(".log").read_text()[-3000:]
    return [read_jsonl(output) for output in outputs]


def test_two_workers_write_every_article_exactly_once_and_share_the_repeat_run_state(replica, redis_url,
                                                                                     records, tmp_path):
    replica.reset_hits()
    written = run_workers(replica, tmp_path, redis_url, "first")
    ids = [item["id"] for items in written for item in items]
    russia = [record for record in records if record["section"] == "russia"]
    assert len(ids) == len(set(ids)) == 32 and set(ids) == {record["id"] for record in russia}
    assert all(written), f"one worker did all the work: {[len(items) for items in written]}"
    # Counted at the server: each article page, the section page and its feed fetched once in all.
    hits = replica.hits
    assert {record["id"]: hits[urlsplit(record["canonical_url"]).path] for record in russia} == \
        {record["id"]: 1 for record in russia}
    assert (hits["/russia/"], hits["/rss/russia/"]) == (1, 1)
    logs = "".join(path.read_text() for path in tmp_path.glob("first-worker*.log"))
    assert "RecoveringScheduler" in logs and "State: redis://" in logs
    # The next run: both workers know from the shared state that everything was exported.
    again = run_workers(replica, tmp_path, redis_url, "second")
    assert again == [[], []]
    reports = [json.loads(path.read_text()) for path in sorted(tmp_path.glob("second-worker*.report.json"))]
    assert sum(report["skipped"].get("already_exported", 0) for report in reports) >= 32
    assert all(report["ok"] for report in reports)  # nothing new is no failure
    # The run's queue, filter and worker keys expire; the state's do not.
    client = redis.Redis.from_url(redis_url)
    run_keys = [key for key in client.keys("newsbot:rt:first:*")]
    assert run_keys and all(0 < client.ttl(key) <= 86400 for key in run_keys)
    assert all(client.ttl(key) == -1 for key in client.keys("newsbot:state:*"))


def article_hits(replica, records) -> dict[str, int]:
    hits = replica.hits
    return {record["id"]: hits[urlsplit(record["canonical_url"]).path] for record in records}


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(replica, redis_url, records, tmp_path):
    """SIGKILL one of two workers once it fetched some articles, start it again: the run still
    writes every article once. What the killed worker fetched is fetched again (its output never
    got in place), after the others knew it dead (WORKER_EXPIRY) and settled its state run."""
    russia = [record for record in records if record["section"] == "russia"]
    replica.reset_hits()
    outputs = [tmp_path / name for name in ("steady.jsonl", "killed.jsonl", "restarted.jsonl")]
    steady, killed = (worker(replica, output, redis_url, "kill") for output in outputs[:2])
    deadline = time.monotonic() + 120
    while sum(article_hits(replica, russia).values()) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    restarted = worker(replica, outputs[2], redis_url, "kill")
    for process, output in ((steady, outputs[0]), (restarted, outputs[2])):
        assert process.wait(timeout=300) == 0, output.with_suffix(".log").read_text()[-3000:]
    ids = [item["id"] for output in outputs for item in read_jsonl(output)]
    assert not outputs[1].exists()  # the killed worker's items never reached a file in place
    assert len(ids) == len(set(ids)) == 32
    assert min(article_hits(replica, russia).values()) == 1
    assert (replica.hits["/russia/"], replica.hits["/rss/russia/"]) == (1, 1)
    logs = "".join(output.with_suffix(".log").read_text() for output in (outputs[0], outputs[2]))
    assert "stopped beating" in logs


def test_a_worker_ends_only_when_the_run_is_done_and_the_first_by_name_ends_last(redis_url):
    """SharedRunIdle's rule, on one beat's view of the run: a worker may end only with the
    queue empty, itself idle with nothing taken since, every other worker idle and beating -
    and the first of them by name waits until it is alone. A worker silent for WORKER_EXPIRY is
    recovered."""
    from types import SimpleNamespace

    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from newsbot.distributed.idle import STALE_AFTER, TAKES_STAT, WORKER_EXPIRY, SharedRunIdle, worker_name

    crawler = get_crawler(Spider, {"REDIS_URL": redis_url, "NEWSBOT_RUN_KEYS_TTL": 60})
    crawler.engine = SimpleNamespace(spider_is_idle=lambda: False, _slot=None)
    extension = SharedRunIdle(crawler)
    recovered = []
    extension.recover = recovered.append
    extension.idle, extension.idle_takes = True, 3  # went idle after taking 3 requests
    crawler.stats.set_value(TAKES_STAT, 3)
    now, me = 1000, worker_name()

    def may_close(others=(), queued=0, mine="idle 1000 3"):
        flat = [me, mine, *(part for worker in others for part in worker)]
        extension._seen([now, queued, [part.encode() for part in flat]])
        return extension.may_close

    later, earlier = "~later", "!earlier"  # by name after and before this worker
    assert may_close()
    assert not may_close(queued=1)
    assert not may_close(mine="busy 1000 4")  # took a request as it went idle
    assert may_close([(earlier, "idle 999 7")])
    assert not may_close([(later, "idle 999 7")])  # the first by name waits for the others to leave
    assert not may_close([(earlier, "busy 1000 7")])
    assert not may_close([(earlier, f"idle {now - STALE_AFTER - 1} 7")])  # silent: maybe dead
    assert not may_close([(earlier, f"idle {now - WORKER_EXPIRY - 1} 7")]) and recovered == [earlier]
    crawler.stats.set_value(TAKES_STAT, 4)  # took one more since
    assert not may_close(mine="idle 1000 4")


def test_a_claim_after_another_run_changed_the_state_is_decided_again(redis_url, records):
    """No lock: a decision read before another run's claim is refused at its own claim and retried."""
    from newsbot.distributed.store import RedisStore
    from newsbot.state.store import ClaimConflict

    first, second = open_run(redis_url), open_run(redis_url)
    record = records[0]
    candidate = first.candidate(record["id"], record["canonical_url"], None, None, record["body"])
    with pytest.raises(ClaimConflict), first.store.atomic(candidate):
        verdict, entry = first._decide(candidate)
        assert verdict.emit
        assert admit(second, record, suffix="-copy").emit  # the same text, claimed meanwhile
        first.store.claim(entry)
    assert admit(first, record).reason == "duplicate_content"  # decided again, now a copy
    assert isinstance(first.store, RedisStore)
    first.close()
    second.close()


def test_workers_admitting_at_once_export_each_story_once(redis_url, records):
    """Four runs in four threads admit the same articles (and copies of them) in different orders."""
    from concurrent.futures import ThreadPoolExecutor

    runs = [open_run(redis_url) for _ in range(4)]
    stories = records[:12]

    def admit_all(index):
        ledger, order = runs[index], stories[index:] + stories[:index]
        return [(record["id"], suffix) for record in order for suffix in ("", f"-copy{index}")
                if admit(ledger, record, suffix).emit]

    with ThreadPoolExecutor(4) as pool:
        emitted = [item for items in pool.map(admit_all, range(4)) for item in items]
    assert sorted(article_id for article_id, _ in emitted) == sorted(record["id"] for record in stories)
    for ledger in runs:
        ledger.close()


@pytest.mark.slow
def test_the_scale_replica_crawled_by_two_and_four_workers_fetches_each_article_once():
    """bench/distributed.py over 2000 articles, with 2 and 4 workers and with 2 of which one is
    SIGKILLed (holding a third of its share, and a listing page if it can be caught with one)
    and started again: exits 1 unless, counted in the server's log, every page was fetched once
    - in the killed run, what the killed worker had taken once more by another worker, nothing
    else - the section page and the feed once, and every article exported exactly once."""
    bench = Path(__file__).resolve().parents[1] / "bench" / "distributed.py"
    done = subprocess.run([sys.executable, str(bench), "--articles", "2000", "--workers", "2", "4"],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    killed = next(line for line in done.stdout.splitlines() if line.lstrip().startswith("2w-killed:"))
    assert "missing 0;" in killed and "not in flight at a kill 0," in killed and "twice 0;" in killed


def open_scheduler(redis_url: str, prefix: str):
    """A crawler of the rt spider and its RecoveringScheduler, opened on keys ``<prefix>:rt:*``."""
    from scrapy.utils.test import get_crawler

    from newsbot.distributed.scheduler import RecoveringScheduler
    from newsbot.request_fingerprint import CanonicalRequestFingerprinter
    from newsbot.spiders.rt import RtSpider

    crawler = get_crawler(RtSpider, {"REDIS_URL": redis_url, "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
                                     "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
                                     "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
                                     "DUPEFILTER_CLASS": "newsbot.distributed.dupefilter.CanonicalDupeFilter",
                                     "REQUEST_FINGERPRINTER_CLASS": CanonicalRequestFingerprinter})
    crawler.spider = RtSpider.from_crawler(crawler)
    scheduler = RecoveringScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return crawler, scheduler


@pytest.mark.filterwarnings("ignore:Passing a 'spider' argument")  # scrapy-redis 0.9's stats calls
def test_what_the_recovering_scheduler_relies_on_in_scrapy_redis(redis_url):
    """Contract: what RecoveringScheduler and SharedRunIdle use of scrapy-redis's scheduler
    (its queue's key, server and serializer, its filter's key and log; the PriorityQueue as a
    sorted set of requests encoded as it decodes them, scored by -priority: pushed with the filter
    by ENQUEUE_SCRIPT, popped by TAKE_SCRIPT, pushed back as taken by RECOVER_SCRIPT)."""
    from scrapy import Request

    from newsbot.distributed.idle import RECOVER_SCRIPT, WORKER_EXPIRY
    from newsbot.distributed.scheduler import TAKEN_META

    crawler, scheduler = open_scheduler(redis_url, "contract")
    assert scheduler.queue.key == "contract:rt:requests" and scheduler.spider is crawler.spider
    assert scheduler.enqueue_request(Request("https://www.rt.com/russia/1-a/", priority=5))
    assert not scheduler.enqueue_request(Request("https://www.rt.com/russia/1-a/?utm_source=x"))
    assert crawler.stats.get_value("newsbot/distributed/filtered") == 1
    assert scheduler.server.smembers(scheduler.df.key) == {
        scheduler.df.request_fingerprint(Request("https://www.rt.com/russia/1-a/")).encode()}
    [(encoded, score)] = scheduler.server.zrange(scheduler.queue.key, 0, -1, withscores=True)
    assert score == -5 and scheduler.queue._decode_request(encoded).url == "https://www.rt.com/russia/1-a/"
    request = scheduler.next_request()
    assert (request.url, request.priority, len(scheduler.queue)) == ("https://www.rt.com/russia/1-a/", 5, 0)
    taken = scheduler.server.hgetall(scheduler.keys.taken())
    assert list(taken) == [request.meta[TAKEN_META].encode()]
    # A dead worker's taken requests go back into the queue as they were queued.
    scheduler.server.hset(scheduler.keys.workers, "dead", "busy 1 1")
    scheduler.server.rename(scheduler.keys.taken(), scheduler.keys.taken("dead"))
    recover = scheduler.server.register_script(RECOVER_SCRIPT)
    assert recover(keys=[scheduler.keys.workers, scheduler.keys.taken("dead"), scheduler.queue.key],
                   args=["dead", WORKER_EXPIRY]) == 1
    again = scheduler.next_request()
    assert (again.url, again.priority, again.meta[TAKEN_META]) == (request.url, 5, request.meta[TAKEN_META])


def test_what_the_idle_worker_relies_on_in_scrapys_engine():
    """Contract: SharedRunIdle.wake schedules the engine's loop (``_slot.nextcall``: no public
    call asks the engine for its next request); scrapy is pinned below the next release."""
    from scrapy.core.engine import ExecutionEngine, _Slot
    from scrapy.utils.reactor import CallLaterOnce

    assert "_slot" in ExecutionEngine.__init__.__code__.co_names
    assert "nextcall" in _Slot.__init__.__code__.co_varnames and callable(CallLaterOnce.schedule)


@pytest.mark.filterwarnings("ignore:Passing a 'spider' argument")  # scrapy-redis 0.9's stats calls
def test_a_listing_page_leaves_the_taken_requests_only_once_its_links_are_queued(redis_url):
    """ListingDoneMiddleware: each link of a listing page is in the shared queue before the
    page's callback goes on, and the page leaves this worker's taken requests only after the
    last one: a worker killed in between has the page fetched again, not its links lost."""
    import asyncio
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsbot.distributed.scheduler import ListingDoneMiddleware

    crawler, scheduler = open_scheduler(redis_url, "listing")
    crawler.engine = SimpleNamespace(scheduler=scheduler, crawl=scheduler.enqueue_request)
    scheduler.enqueue_request(Request("https://www.rt.com/russia/"))
    listing = scheduler.next_request()
    links = [Request(f"https://www.rt.com/russia/{n}-a/", meta={"canonical_url": f"https://www.rt.com/russia/{n}-a/"})
             for n in (1, 2)]
    taken = lambda: scheduler.server.hlen(scheduler.keys.taken())  # noqa: E731

    async def callback():
        for queued, link in enumerate(links, 1):
            yield link
            assert (len(scheduler.queue), taken()) == (queued, 1)  # queued at once; the page still taken
        yield {"id": "not a request"}

    async def outputs(response, result):
        return [output async for output in ListingDoneMiddleware(crawler).process_spider_output(response, result)]

    response = HtmlResponse(listing.url, body=b"<html></html>", request=listing)
    assert asyncio.run(outputs(response, callback())) == [{"id": "not a request"}]
    assert (len(scheduler.queue), taken()) == (2, 0)
    # An article stays taken (until the worker's output is committed); its output passes on.
    article = scheduler.next_request()
    related = Request("https://www.rt.com/russia/3-a/")

    async def article_callback():
        yield related

    response = HtmlResponse(article.url, body=b"<html></html>", request=article)
    assert asyncio.run(outputs(response, article_callback())) == [related]
    assert taken() == 1
