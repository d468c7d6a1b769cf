"""Distributed crawling on the scale replica: 1, 2 and 4 workers on one Redis, then 2 workers
with one of them SIGKILLed mid-run (once it holds 30 % of its share of the articles, at a
moment it holds a listing page too if one comes within 5 s) and started again.

    python bench/distributed.py [--articles 2000] [--workers 1 2 4] [--concurrency 16] [--no-kill]

One scale replica (``ReplicaSite.scaled(N)``, pre-rendered, its own process) logs every request
it answers; fetches are counted from that log, not from the crawlers. One redis-server of its
own (newsbot.distributed.local) is emptied before each run. Each worker is ``scrapy crawl rt``
with NEWSBOT_REDIS_URL, politeness off (no delay, no AutoThrottle, ``--concurrency``), its own
JSONL output and run report; the reference run is one process with a SQLite state and no
Redis, same settings. Per run it measures:

- article pages fetched more than once, missing, and the section page's and feed's fetches
  (server log; each worker has its own user agent, logged with each request): in the killed
  run, pages fetched twice that the killed worker had not fetched (must be none); articles
  exported, and exported more than once (all workers' output files);
- pages per second: all workers' responses over the longest worker's crawl time (Scrapy's
  ``elapsed_time_seconds``), CPU per page of the workers and of the server and Redis, and the
  cores they kept busy;
- the slowest single admit of any worker (``newsbot/state/slowest_admit_ms``) and the CPU an
  admit takes in the worker's state thread (mean and slowest), Redis commands
  per exported article (``total_commands_processed`` after CONFIG RESETSTAT) and Redis memory
  per 10,000 articles, the state's keys and the run's (queue, filter, workers) apart.

The speed-up of 2 workers over 1 is bounded by the CPU the machine gives the run: the bench
prints the cores kept busy (workers, server and Redis) in each run and the workers' CPU per page. With
the CPU per page the same at 1 and 2 workers, sharing the crawl costs nothing per page, and the
speed-up follows the cores available; on a machine shared with other work it cannot reach the
number of workers. The last line holds all the figures; exit status 1 when any run fetched a
page twice (beyond what a killed worker had taken), missed or duplicated an article.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import CLOCK_TICKS, load, machine, politeness_off, settings_options  # noqa: E402

from newsbot.distributed.local import LocalRedis  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARTICLE_PATH = re.compile(r"^/russia/\d+-")
START_PAGES = ("/russia/", "/rss/russia/")
REQUEST_LINE = re.compile(r'"GET (\S+) HTTP[^"]*" \S+ "([^"]*)"')  # path, user agent (one per worker)
PER_10K = 10_000 / 2**20  # bytes per article -> MB per 10,000 articles
KILL_AFTER = 0.3  # the victim is killed once it holds this share of the articles over the workers
KILL_WAIT_FOR_LISTING = 5.0  # seconds it may then wait for the victim to hold a listing page too
SERVER = """
import sys
from newsbot.replica import ReplicaSite, serve_forever, server
# Each request's user agent in the log too: the bench gives each worker its own.
server._Handler.log_request = lambda self, code="-", size="-": self.log_message(
    '"%s" %s "%s"', self.requestline, code, self.headers.get("User-Agent", "-"))
site = ReplicaSite.scaled(int(sys.argv[1]))
site.prerender()
serve_forever(0, site, verbose=True)
"""


class LoggingReplica:
    """The scale replica in its own process, logging each request it answers to ``log``."""

    def __init__(self, articles: int, log: Path):
        self.log = log
        self.process = subprocess.Popen([sys.executable, "-c", SERVER, str(articles)], stdout=subprocess.PIPE,
                                        stderr=log.open("w"), text=True)
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.process.kill()
            raise RuntimeError(f"the replica server did not start (said {self.base_url!r})")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def fetches_since(self, offset: int) -> Counter[tuple[str, str]]:
        """(path, user agent) -> times answered, in the log from ``offset`` on."""
        with self.log.open("rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", "replace")
        return Counter((match.group(1).split("?")[0], match.group(2)) for match in REQUEST_LINE.finditer(text))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


@dataclass
class Run:
    label: str
    workers: int
    killed: bool  # one worker SIGKILLed and started again: what it had fetched is fetched again
    articles: int
    pages: int
    seconds: float
    worker_cpu: float
    server_cpu: float  # the replica server's and Redis's
    fetched_twice: int  # article fetches beyond the first
    refetched_wrongly: int  # pages fetched twice before the kill, or twice after it (any page of a run without)
    missing: int  # article pages never fetched
    start_fetches: tuple[int, ...]
    exported: int
    exported_twice: int
    slowest_admit_ms: float
    slow_admits: int  # over 5 ms
    admit_cpu_ms: float  # mean CPU time of an admit in the worker's state thread
    slowest_admit_cpu_ms: float
    slowest_admit_but_core_wait_ms: float  # the slowest admit less the time its thread waited for a core
    commands: int
    state_bytes: int
    run_bytes: int
    held_at_kill: tuple[int, int] = (0, 0)  # requests the killed worker held, and listing pages of them

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds

    @property
    def cpu_ms_per_page(self) -> float:
        return self.worker_cpu / self.pages * 1000

    @property
    def busy_cores(self) -> float:
        return (self.worker_cpu + self.server_cpu) / self.seconds

    @property
    def commands_per_article(self) -> float:
        return self.commands / max(self.exported, 1)

    @property
    def exact(self) -> bool:
        """Every article exported once, the start pages fetched once, every page fetched once
        (with a killed worker: what it had in flight once more after the kill, nothing else)."""
        return ((self.killed or not self.fetched_twice) and not self.refetched_wrongly and not self.missing
                and self.start_fetches == (1, 1)
                and not self.exported_twice and self.exported == self.articles)

    def describe(self) -> str:
        kill = (f"; killed holding {self.held_at_kill[0]} requests ({self.held_at_kill[1]} listing pages)"
                if self.killed else "")
        return (f"{self.label:>10}: {self.pages_per_second:6.1f} pages/s ({self.pages} pages in {self.seconds:.1f} "
                f"s, worker CPU {self.cpu_ms_per_page:.2f} ms/page, server and Redis "
                f"{self.server_cpu / self.pages * 1000:.2f} ms/page, {self.busy_cores:.2f} cores busy); article fetches "
                f"beyond one {self.fetched_twice}, pages fetched twice not in flight at a kill {self.refetched_wrongly}, missing "
                f"{self.missing}; section page and feed fetched "
                f"{'/'.join(map(str, self.start_fetches))}; exported {self.exported}, twice {self.exported_twice}; "
                f"slowest admit {self.slowest_admit_ms:.1f} ms ({self.slowest_admit_but_core_wait_ms:.1f} ms but "
                f"the wait for a core), {self.slow_admits} over 5 ms (CPU per admit "
                f"{self.admit_cpu_ms:.2f} ms, slowest {self.slowest_admit_cpu_ms:.2f} ms); "
                f"{self.commands_per_article:.1f} Redis commands per article; Redis memory per 10k articles: state {self.state_bytes / self.articles * PER_10K:.1f} MB, "
                f"run keys {self.run_bytes / self.articles * PER_10K:.1f} MB{kill}")


def user_agent(output: Path) -> str:
    return f"newsbot-bench/{output.stem}"


def worker_command(replica: LoggingReplica, redis_url: str | None, run_name: str, output: Path,
                   concurrency: int) -> list:
    """A worker of the run; with ``redis_url`` None the reference: one process, its SQLite state."""
    settings = {**politeness_off(concurrency), "NEWSBOT_REPORT_PATH": str(output.with_suffix(".report.json")),
                "USER_AGENT": user_agent(output)}
    settings.update({"NEWSBOT_REDIS_URL": redis_url, "NEWSBOT_RUN_NAME": run_name} if redis_url else
                    {"NEWSBOT_STATE": str(output.with_suffix(".sqlite"))})
    return [sys.executable, "-m", "scrapy", "crawl", "rt", "-a", f"base_url={replica.base_url}",
            "-O", str(output), *settings_options(settings)]


def start(command: list[str], output: Path) -> subprocess.Popen:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=output.with_suffix(".log").open("w"))


def wait(process: subprocess.Popen) -> tuple[int, float]:
    """Exit status and CPU seconds of the finished (or killed) process."""
    _, status, usage = os.wait4(process.pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def redis_cpu_seconds(client) -> float:
    cpu = client.info("cpu")
    return cpu["used_cpu_user"] + cpu["used_cpu_sys"]


def keys_memory(client, pattern: str) -> int:
    """Bytes Redis holds for the keys matching ``pattern`` (MEMORY USAGE: values, key, overhead)."""
    return sum(client.memory_usage(key, samples=0) or 0 for key in client.scan_iter(match=pattern, count=1000))


def kill_holding(client, victim: subprocess.Popen, run: str, articles: float) -> str:
    """SIGKILL the victim once it holds ``articles`` taken requests (its taken hash in Redis) -
    or, should the other workers outpace it, any once the workers hold twice that - at the first
    moment it also holds a page that is not an article (the section page, the feed, a "More"
    fragment: what the run's discovery hangs on), else KILL_WAIT_FOR_LISTING seconds later.
    Returns its taken hash's key."""
    taken = f"newsbot:rt:{run}:taken:{socket.gethostname()}:{victim.pid}"
    deadline = None
    while True:
        if victim.poll() is not None:
            raise RuntimeError(f"the worker to kill ended first (it took {client.hlen(taken)} requests)")
        requests = client.hvals(taken)
        if len(requests) >= articles or (requests and sum(
                map(client.hlen, client.scan_iter(f"newsbot:rt:{run}:taken:*"))) >= 2 * articles):
            deadline = deadline or time.monotonic() + KILL_WAIT_FOR_LISTING
            if listing_pages(requests) or time.monotonic() > deadline:
                victim.send_signal(signal.SIGKILL)
                return taken
        time.sleep(0.01)


def listing_pages(requests: list[bytes]) -> int:
    return sum(b"canonical_url" not in request for request in requests)


def measure(label: str, workers: int, kill: bool, replica: LoggingReplica, server: LocalRedis, work: Path,
            articles: int, concurrency: int, redis_url: str | None) -> Run:
    client = redis.Redis.from_url(server.url)
    client.flushall()
    client.config_resetstat()
    offset = replica.log.stat().st_size
    server_before = replica.cpu_seconds() + redis_cpu_seconds(client)
    outputs = [work / f"{label}-worker{n}.jsonl" for n in range(workers)]
    commands = {output: worker_command(replica, redis_url, label, output, concurrency) for output in outputs}
    processes = {output: start(command, output) for output, command in commands.items()}
    cpu, held = 0.0, (0, 0)
    if kill:
        victim = outputs[-1]
        taken = kill_holding(client, processes[victim], label, articles * KILL_AFTER / workers)
        cpu += wait(processes.pop(victim))[1]
        requests = client.hvals(taken)  # what it held when it died (recovered 20 s later)
        held = (len(requests), listing_pages(requests))
        restarted = victim.with_name(victim.stem + "-restarted.jsonl")
        processes[restarted] = start(worker_command(replica, server.url, label, restarted, concurrency), restarted)
        outputs.append(restarted)
    for output, process in processes.items():
        status, seconds = wait(process)
        cpu += seconds
        if status != 0:
            raise RuntimeError(f"a worker failed (exit status {status}); see {output.with_suffix('.log')}")
    server_cpu = replica.cpu_seconds() + redis_cpu_seconds(client) - server_before
    commands_processed = client.info("stats")["total_commands_processed"]
    state_bytes, run_bytes = keys_memory(client, "newsbot:state:*"), keys_memory(client, f"newsbot:rt:{label}:*")
    reports = [json.loads(output.with_suffix(".report.json").read_text()) for output in outputs
               if output.with_suffix(".report.json").exists()]
    stats = [report["stats"] for report in reports]
    by_agent = replica.fetches_since(offset)
    fetches = Counter()
    for (path, _), count in by_agent.items():
        fetches[path] += count
    # Each worker reads robots.txt; any other page is fetched once, or (what the killed worker
    # had taken and not committed) once by it and once by another worker.
    victim = user_agent(outputs[workers - 1]) if kill else None
    refetched_wrongly = sum(by_agent[path, victim] > 1 or count - by_agent[path, victim] > 1
                            for path, count in fetches.items() if path != "/robots.txt")
    article_fetches = {path: count for path, count in fetches.items() if ARTICLE_PATH.match(path)}
    ids = Counter(json.loads(line)["id"] for output in outputs if output.exists() for line in output.open())
    return Run(label, workers, kill, articles, sum(stat.get("response_received_count", 0) for stat in stats),
               max(stat["elapsed_time_seconds"] for stat in stats), cpu, server_cpu,
               sum(count - 1 for count in article_fetches.values()), refetched_wrongly,
               articles - len(article_fetches),
               tuple(fetches[path] for path in START_PAGES), len(ids), sum(count > 1 for count in ids.values()),
               max(stat.get("newsbot/state/slowest_admit_ms", 0) for stat in stats),
               sum(stat.get("newsbot/state/slow_admits", 0) for stat in stats),
               sum(stat.get("newsbot/state/admit_cpu_ms", 0) for stat in stats)
               / max(sum(stat.get("newsbot/state/admits", 0) for stat in stats), 1),
               max(stat.get("newsbot/state/slowest_admit_cpu_ms", 0) for stat in stats),
               max(stat.get("newsbot/state/slowest_admit_but_core_wait_ms", 0) for stat in stats), commands_processed,
               state_bytes, run_bytes, held)


def admit_all(url: str, records: list[dict], rotation: int, answers) -> None:
    """One writer: admits every record (the others admit the same ones, in another order) and
    sends back how long each admit took, in ms (the ledger's decision and claim, no fingerprint),
    the CPU time it took in this process, the time it waited for a core (the rest is waiting
    for Redis), and how long a PING to the same Redis took right after it: the floor of one
    round trip here, now."""
    from newsbot.distributed.store import RedisStore
    from newsbot.state import Ledger
    from newsbot.state.extension import core_wait_seconds

    ledger = Ledger(RedisStore(url))
    ledger.start()
    order = records[rotation:] + records[:rotation]
    candidates = [ledger.candidate(record["id"], record["canonical_url"], None, None, record["body"])
                  for record in order]
    times = []
    for candidate in candidates:
        started, cpu, core_wait = time.perf_counter(), time.thread_time(), core_wait_seconds()
        ledger.admit(candidate)
        admitted, cpu, core_wait = time.perf_counter(), time.thread_time() - cpu, core_wait_seconds() - core_wait
        ledger.store.redis.ping()
        times.append(((admitted - started) * 1000, cpu * 1000, (time.perf_counter() - admitted) * 1000,
                      (admitted - started - core_wait) * 1000))
    ledger.finish(output_complete=True)
    ledger.close()
    answers.put(times)


def admit_contention(server: LocalRedis, articles: int, writers: int) -> str:
    """``writers`` processes admit the same ``articles`` into one Redis at once: every admit but
    one per article is a conflict or a repeat. Per-admit latency without a crawl beside it."""
    from newsbot.replica import ReplicaSite, expected_records

    redis.Redis.from_url(server.url).flushall()
    records = expected_records(ReplicaSite.scaled(articles))
    answers = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=admit_all, args=(server.url, records, n * articles // writers,
                                                                 answers)) for n in range(writers)]
    for process in processes:
        process.start()
    answered = [answer for _ in processes for answer in answers.get()]
    for process in processes:
        process.join()
    times, cpu, pings, but_core_wait = (sorted(column) for column in zip(*answered))
    exported = redis.Redis.from_url(server.url).scard("newsbot:state:exported")
    p99 = int(len(times) * 0.99)
    return (f"{writers} writers x {articles} admits of the same articles: median {statistics.median(times):.2f} ms, "
            f"p99 {times[p99]:.2f} ms, slowest {times[-1]:.2f} ms ({but_core_wait[-1]:.2f} ms but the wait for a "
            f"core; CPU in the writer: median "
            f"{statistics.median(cpu):.2f} ms, slowest {cpu[-1]:.2f} ms; a PING beside them: median "
            f"{statistics.median(pings):.2f} ms, p99 {pings[p99]:.2f} ms, slowest {pings[-1]:.2f} ms); "
            f"{exported} exported")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS of each worker")
    parser.add_argument("--no-kill", dest="kill", action="store_false", help="skip the run with a killed worker")
    parser.add_argument("--admit-articles", type=int, default=500, help="articles of the admit contention test")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}; load average {load()}", flush=True)
    results: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="newsbot-distributed-") as scratch, LocalRedis() as server:
        work = Path(scratch)
        contention = admit_contention(server, args.admit_articles, max(args.workers))
        print(f"admit contention: {contention}", flush=True)
        replica = LoggingReplica(args.articles, work / "server.log")
        try:
            scenarios = [("sqlite", 1, False, None)]
            scenarios += [(f"{count}w", count, False, server.url) for count in args.workers]
            if args.kill:
                scenarios.append(("2w-killed", 2, True, server.url))
            for label, count, kill, redis_url in scenarios:
                results[label] = measure(label, count, kill, replica, server, work, args.articles, args.concurrency,
                                         redis_url)
                print(results[label].describe(), flush=True)
        finally:
            replica.close()
    one, two = results.get("1w"), results.get("2w")
    speed = (f"2w/1w {two.pages_per_second / one.pages_per_second:.2f}x, with {two.busy_cores:.2f} vs "
             f"{one.busy_cores:.2f} cores busy (workers, server and Redis) and worker CPU per page {two.cpu_ms_per_page:.1f} "
             f"vs {one.cpu_ms_per_page:.1f} ms" if one and two else "2w/1w n/a")
    exact = all(result.exact for result in results.values())
    widest, reference = results[f"{max(args.workers)}w"], results["sqlite"]
    overhead = f"; 1w Redis/SQLite {one.pages_per_second / reference.pages_per_second:.2f}x" if one else ""
    killed = results.get("2w-killed")
    kill = (f"; with a worker killed holding {killed.held_at_kill[0]} requests ({killed.held_at_kill[1]} listing "
            f"pages): {killed.fetched_twice} article pages fetched again, {killed.refetched_wrongly} pages fetched "
            f"twice it had not taken, {killed.missing} missing, {killed.exported} exported, "
            f"{killed.exported_twice} twice" if killed else "")
    print(f"distributed {args.articles} articles: " + ", ".join(
        f"{label} {result.pages_per_second:.0f} pages/s" for label, result in results.items())
        + f"; {speed}{overhead}; every article fetched and exported once, start pages once: "
        f"{'yes' if exact else 'NO'} (runs: {', '.join(results)}){kill}; slowest admit {widest.slowest_admit_ms:.1f} "
        f"ms at {widest.workers} workers in the crawl ({widest.slowest_admit_but_core_wait_ms:.1f} ms but the wait "
        f"for a core; {widest.slow_admits} of {widest.exported} over 5 ms; CPU per "
        f"admit {widest.admit_cpu_ms:.2f} ms, slowest {widest.slowest_admit_cpu_ms:.2f} ms), without a "
        f"crawl: {contention}; "
        f"{widest.commands_per_article:.1f} Redis commands per article; Redis per 10k "
        f"articles: state {widest.state_bytes / args.articles * PER_10K:.1f} MB + run keys "
        f"{widest.run_bytes / args.articles * PER_10K:.1f} MB; load average {load()}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
