"""Crawl speed and memory: newsbot's full `rt` crawl beside a raw Scrapy spider, same server, same run.

    python bench/crawl.py [--articles 5000] [--repeats 3] [--memory-sizes 1000 10000] [--quick]

One scale replica (``newsbot serve --articles N``, its own process, pages pre-rendered) serves
the crawls, each in its own process, in turn, ``--repeats`` times:

- raw: a Scrapy spider with Scrapy's default settings that requests the same pages (section
  page, feed, every "More" fragment, every article) and does nothing with them: Scrapy's
  ceiling on this machine;
- newsbot: ``scrapy crawl rt`` with the project's settings, every pipeline and the JSONL feed,
  politeness off for the benchmark only (no AutoThrottle, no delay, ``--concurrency``; robots.txt
  obeyed by all);
- trafilatura: the raw spider, but each article goes through ``trafilatura.extract`` into a
  JSONL feed: what one would write instead of newsbot.

Pages per second are responses over the crawl's own elapsed time (Scrapy's
``elapsed_time_seconds``: spider opened to closed, so process start-up is not counted). The
server's CPU share is read from /proc before and after each crawl. Then newsbot's crawl runs on
servers of ``--memory-sizes`` articles for its peak RSS (the child's ``ru_maxrss``), and once under
cProfile, whose top entries are printed and saved in bench/results/. Last, newsbot's own steps
on an article page (parse, extract, the pipelines, export) are timed outside Scrapy, to show where
the difference to the raw spider goes.
The time from the start of ``scrapy crawl rt`` to its first request is measured against a
server in this process that answers 404 (so each crawl ends at once), beside the raw spider's.
The four ratios of the targets (issue 11) close the output, each with its target:
pages/s newsbot/raw >= 0.6; peak RSS at the large size newsbot/raw <= 1.5 and newsbot
large/small <= 1.2; time to first request newsbot/raw <= 2; whole crawl (process wall time)
trafilatura/newsbot >= 3.
Exits 1 when newsbot's crawl did not write every article of the replica.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
STDLIB = sysconfig.get_paths()["stdlib"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SECTION = "russia"
ARTICLE_PRIORITY, LISTING_PRIORITY = 10, 0  # as newsbot's spider: articles before more listing pages
PROFILE_LINES = 25
STEPS = ("parse", "extract", "clean", "validate", "dedupe", "export")  # newsbot's work on an article page
STEP_PAGES = 1000
KINDS = ("raw", "newsbot", "trafilatura")
STARTUP_ROUNDS = 5


class RawSpider(scrapy.Spider):
    """Requests the section's pages and articles, and nothing else: no extraction, no item
    (with ``-a extract=trafilatura``: each article's ``trafilatura.extract`` text as an item).

    Run by ``scrapy runspider`` outside the project (Scrapy's default settings); writes its
    stats as JSON to ``stats_path`` when it closes."""

    name = "raw"

    def __init__(self, base_url: str, stats_path: str, extract: str = "", **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.stats_path = stats_path
        self.article_prefix = f"/{SECTION}/"
        self.article = self.extract if extract == "trafilatura" else self.ignore

    async def start(self):
        yield scrapy.Request(f"{self.base_url}/{SECTION}/", priority=LISTING_PRIORITY)
        yield scrapy.Request(f"{self.base_url}/rss/{SECTION}/", callback=self.ignore, priority=LISTING_PRIORITY)

    def parse(self, response):
        """A listing page: its cards' article links, and its "More" fragment."""
        for href in response.css(".card a.link::attr(href), .list-card a.link::attr(href)").getall():
            if href.startswith(self.article_prefix):
                yield scrapy.Request(self.base_url + href, callback=self.article, priority=ARTICLE_PRIORITY)
        for more in response.css("div.button a[data-href]::attr(data-href)").getall():
            yield scrapy.Request(self.base_url + urlsplit(more).path, priority=LISTING_PRIORITY)

    def ignore(self, response):
        return None

    def extract(self, response):
        import trafilatura  # only this variant pays for it

        return {"url": response.url, "text": trafilatura.extract(response.text, url=response.url)}

    def closed(self, reason):
        stats = self.crawler.stats.get_stats()
        # As Scrapy's CoreStats computes it, which may run after this handler.
        stats.setdefault("elapsed_time_seconds", (datetime.now(timezone.utc) - stats["start_time"]).total_seconds())
        Path(self.stats_path).write_text(json.dumps(stats, default=str), "utf-8")


@dataclass
class Crawl:
    kind: str  # one of KINDS
    articles: int  # on the replica
    pages: int  # responses received
    seconds: float  # Scrapy's elapsed_time_seconds
    items: int  # articles written (newsbot, trafilatura)
    peak_rss_mb: float
    crawler_cpu: float  # seconds, the whole process
    server_cpu: float  # seconds, during the crawl
    wall: float  # seconds, the whole process: start-up, crawl, shut-down

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds

    @property
    def cpu_per_page(self) -> float:
        return self.crawler_cpu / self.pages * 1000

    @property
    def server_share(self) -> float:
        """Cores the server kept busy during the crawl, on average."""
        return self.server_cpu / self.seconds


class Replica:
    """``newsbot serve --articles N`` in its own process."""

    def __init__(self, articles: int):
        self.articles = articles
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsbot.cli", "serve", "--articles", str(articles), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.process.kill()
            raise RuntimeError(f"the replica server did not start (said {self.base_url!r})")
        self.startup_seconds = time.perf_counter() - started

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def politeness_off(concurrency: int) -> dict[str, str]:
    """The settings all crawls share: no delay, no AutoThrottle, the same concurrency, robots.txt,
    log level and CONCURRENT_ITEMS (newsbot's value, which spares Scrapy 99 idle tasks per response:
    the raw spider's ceiling gets the same engine)."""
    return {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": str(concurrency),
            "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency), "ROBOTSTXT_OBEY": "1", "LOG_LEVEL": "INFO",
            "CONCURRENT_ITEMS": "1"}


def settings_options(settings: dict[str, str]) -> list[str]:
    return [option for name, value in settings.items() for option in ("-s", f"{name}={value}")]


def run_child(command: list[str], cwd: Path, env: dict, log: Path) -> tuple[int, float, float, float]:
    """Run a crawl to its end: (exit status, peak RSS in MB, CPU seconds, wall seconds) of that
    process alone."""
    with log.open("w") as log_file:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, wall


def crawl_command(kind: str, base_url: str, work: Path) -> tuple[list[str], Path, dict]:
    """The command line of a crawl of ``kind``, its working directory and its environment."""
    if kind == "newsbot":
        return ([sys.executable, "-m", "scrapy", "crawl", "rt", "-a", f"base_url={base_url}",
                 "-O", str(work / f"{kind}.jsonl"), "-s", f"NEWSBOT_REPORT_PATH={work / 'report.json'}"],
                ROOT, {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"})
    command = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve()),
               "-a", f"base_url={base_url}", "-a", f"stats_path={work / f'{kind}-stats.json'}"]
    if kind == "trafilatura":
        command += ["-a", "extract=trafilatura", "-O", str(work / f"{kind}.jsonl")]
    # No scrapy.cfg in ``work``: Scrapy's own defaults, not newsbot's.
    return command, work, {name: value for name, value in os.environ.items() if name != "SCRAPY_SETTINGS_MODULE"}


def crawl(kind: str, replica: Replica, work: Path, concurrency: int, profile: Path | None = None) -> Crawl:
    work.mkdir(parents=True, exist_ok=True)
    command, cwd, env = crawl_command(kind, replica.base_url, work)
    if profile:
        command[1:3] = ["-m", "cProfile", "-o", str(profile), "-m", "scrapy"]
    server_before = replica.cpu_seconds()
    status, peak_rss, cpu, wall = run_child(command + settings_options(politeness_off(concurrency)), cwd, env,
                                            work / f"{kind}.log")
    server_cpu = replica.cpu_seconds() - server_before
    if status != 0:
        raise RuntimeError(f"the {kind} crawl failed (exit status {status}); see {work / f'{kind}.log'}")
    stats = (json.loads((work / "report.json").read_text("utf-8"))["stats"] if kind == "newsbot"
             else json.loads((work / f"{kind}-stats.json").read_text("utf-8")))
    output = work / f"{kind}.jsonl"
    items = sum(1 for _ in output.open("rb")) if output.exists() else 0
    return Crawl(kind, replica.articles, stats["response_received_count"], stats["elapsed_time_seconds"], items,
                 peak_rss, cpu, server_cpu, wall)


class FirstRequestClock:
    """An HTTP server in this process that answers 404 to everything and notes when the first
    request arrives: what a crawl's start-up costs, up to its first request."""

    def __init__(self):
        clock = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                clock.first = clock.first or time.perf_counter()
                self.send_error(404)

            def log_message(self, *args):
                pass

        self.first: float | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"

    def seconds_to_first_request(self, kind: str, work: Path) -> float:
        work.mkdir(parents=True, exist_ok=True)
        command, cwd, env = crawl_command(kind, self.base_url, work)
        self.first = None
        started = time.perf_counter()
        subprocess.run(command + settings_options({"LOG_LEVEL": "INFO"}), cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # newsbot's fails: no article
        if self.first is None:
            raise RuntimeError(f"the {kind} crawl sent no request")
        return self.first - started

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def startup_times(work: Path, rounds: int) -> dict[str, list[float]]:
    """Seconds from a crawl's start to its first request, raw and newsbot in turn."""
    clock = FirstRequestClock()
    try:
        times: dict[str, list[float]] = {"raw": [], "newsbot": []}
        for round_ in range(rounds):
            for kind in times:
                times[kind].append(clock.seconds_to_first_request(kind, work / f"startup-{kind}-{round_}"))
        return times
    finally:
        clock.close()


def describe(result: Crawl) -> str:
    return (f"{result.kind:>11}  {result.pages_per_second:7.1f} pages/s  ({result.pages} pages in "
            f"{result.seconds:.1f} s, process {result.wall:.1f} s; crawler CPU {result.crawler_cpu:.1f} s = "
            f"{result.cpu_per_page:.2f} ms/page with start-up, peak RSS {result.peak_rss_mb:.0f} MB; "
            f"server {result.server_share:.2f} cores)")


def verdict(name: str, value: float, target: str) -> str:
    """``name value (target ...: met|NOT met)``; ``target`` like ">= 0.6"."""
    sign, limit = target.split()
    met = value >= float(limit) if sign == ">=" else value <= float(limit)
    return f"{name} {value:.2f} (target {target}: {'met' if met else 'NOT met'})"


def spread(values: list[float], digits: int = 1) -> str:
    return (f"median {statistics.median(values):.{digits}f}, min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f}")


def machine() -> str:
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (f"{os.cpu_count()} cores, {memory_kb / 1024**2:.1f} GB RAM, Python {platform.python_version()}, "
            f"Scrapy {scrapy.__version__}, {platform.platform()}")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def top_of_profile(path: Path, text_path: Path) -> str:
    """The profile's top functions by own time, and newsbot's by cumulative time; the full
    listing (pstats, by own time) goes to ``text_path``."""
    listing = io.StringIO()
    stats = pstats.Stats(str(path), stream=listing)
    stats.sort_stats("tottime").print_stats()
    text_path.write_text(listing.getvalue(), "utf-8")
    total = stats.total_tt
    rows = [(own, cumulative, calls, _short(file), line, name)
            for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items()]

    def table(title: str, chosen: list, column: int) -> list[str]:
        return [title] + [f"  {row[column]:7.2f} s {row[column] / total:6.1%} {row[2]:9d}  {row[3]}:{row[4]} {row[5]}"
                          for row in chosen[:PROFILE_LINES]]

    by_own = sorted(rows, reverse=True)
    ours = sorted((row for row in rows if row[3].startswith("newsbot/")), key=lambda row: row[1], reverse=True)
    return "\n".join([f"{total:.1f} s of CPU in all (under cProfile, which inflates Python-heavy code); "
                      f"columns: seconds, share, calls"]
                     + table("own time:", by_own, 0) + table("newsbot's functions, cumulative:", ours, 1))


def _short(file: str) -> str:
    return file.split("site-packages/")[-1].removeprefix(f"{ROOT}/").removeprefix(f"{STDLIB}/")


def step_costs(count: int, rounds: int = 3) -> dict[str, float]:
    """CPU milliseconds per article page of each step newsbot adds to what Scrapy does, outside
    Scrapy: the functions the spider and the pipelines call, on the scale replica's pages. Each
    step's fastest of ``rounds`` rounds (the least disturbed by the machine's other work)."""
    # Imported here: ``scrapy runspider`` imports this file, and the raw spider needs none of it.
    from itemadapter import ItemAdapter
    from parsel import Selector
    from scrapy.exporters import JsonLinesItemExporter

    from newsbot.extract import Page, extract_article
    from newsbot.pipelines.clean import clean_article
    from newsbot.pipelines.validate import contract_errors
    from newsbot.replica import ReplicaSite
    from newsbot.sites import rt
    from newsbot.state import Fingerprinter, Ledger, SqliteStore

    site = ReplicaSite.scaled(count)
    pages = [(f"http://127.0.0.1{article.path}", site.get(article.path)[2].decode()) for article in site.articles]
    fastest = dict.fromkeys(STEPS, float("inf"))
    spent: dict[str, float] = {}

    @contextmanager
    def timed(step: str):
        started = time.process_time()
        yield
        spent[step] += time.process_time() - started

    for _ in range(rounds):
        ledger = Ledger(SqliteStore(), Fingerprinter())  # a new state each round: every article is new
        ledger.start()
        exporter = JsonLinesItemExporter(io.BytesIO())
        exporter.start_exporting()
        spent.update(dict.fromkeys(STEPS, 0.0))
        for url, html in pages:
            with timed("parse"):
                selector = Selector(text=html)
            with timed("extract"):
                article = extract_article(Page(url, html, selector=selector), rt.SITE)
            item = ItemAdapter(article)
            with timed("clean"):
                clean_article(item)
            with timed("validate"):
                contract_errors(item)
            with timed("dedupe"):
                ledger.admit(ledger.candidate(item["id"], item["canonical_url"], None, item["modified_at"], item["body"]))
            with timed("export"):
                exporter.export_item(article)
        ledger.close()
        fastest = {step: min(fastest[step], seconds / count * 1000) for step, seconds in spent.items()}
    return fastest


def size_label(count: int) -> str:
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="articles of the replica for the speed runs")
    parser.add_argument("--repeats", type=int, default=3, help="raw and newsbot crawls, in turn")
    parser.add_argument("--memory-sizes", type=int, nargs=2, default=(1000, 10000), metavar=("SMALL", "LARGE"),
                        help="replica sizes of the peak-RSS runs")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="skip the cProfile run")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the profile and the figures go")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 400 articles, one repeat, 200 and 1000 "
                        "for memory")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.repeats, args.memory_sizes = 400, 1, (200, 1000)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    print(f"machine: {machine()}; load average {load()}", flush=True)
    small_size, large_size = args.memory_sizes
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as scratch:
        work = Path(scratch)
        startup = startup_times(work, STARTUP_ROUNDS)
        print("seconds to the first request: " + "; ".join(f"{kind} {spread(times, 2)}"
                                                           for kind, times in startup.items()), flush=True)
        with Replica(args.articles) as replica:
            print(f"replica: {args.articles} articles at {replica.base_url} (pre-rendered in "
                  f"{replica.startup_seconds:.0f} s, {replica.rss_mb():.0f} MB)", flush=True)
            runs: dict[str, list[Crawl]] = {kind: [] for kind in KINDS}
            for repeat in range(args.repeats):
                for kind in KINDS:
                    result = crawl(kind, replica, work / f"{kind}-{repeat}", args.concurrency)
                    runs[kind].append(result)
                    print(describe(result), flush=True)
            profile_text = ""
            if args.profile:
                profile = args.results / f"crawl-profile-{stamp}.pstats"
                profiled = crawl("newsbot", replica, work / "profile", args.concurrency, profile=profile)
                print(f"profiled newsbot crawl: {profiled.pages_per_second:.1f} pages/s under cProfile", flush=True)
                profile_text = top_of_profile(profile, profile.with_suffix(".txt"))
        memory: dict[tuple[str, int], Crawl] = {}
        for size, kinds in ((small_size, ("newsbot",)), (large_size, ("raw", "newsbot"))):
            with Replica(size) as replica:
                for kind in kinds:
                    memory[kind, size] = crawl(kind, replica, work / f"memory-{kind}-{size}", args.concurrency)
                    print(f"memory, {size} articles: " + describe(memory[kind, size]), flush=True)
    newsbot_runs = [*runs["newsbot"], *(run for (kind, _), run in memory.items() if kind == "newsbot")]
    incomplete = [run for run in newsbot_runs if run.items != run.articles]
    for run in incomplete:
        print(f"INCOMPLETE: newsbot wrote {run.items} of the replica's {run.articles} articles", flush=True)
    if profile_text:
        print(f"\nCPU profile of newsbot's crawl (full listing: {profile.with_suffix('.txt')}):\n{profile_text}\n")
    per_second = {kind: [run.pages_per_second for run in results] for kind, results in runs.items()}
    steps = step_costs(min(args.articles, STEP_PAGES))
    # CPU, not elapsed time: on a loaded machine a crawl gets a fraction of a core.
    raw_page, added = statistics.median(run.cpu_per_page for run in runs["raw"]), sum(steps.values())
    print("newsbot's steps per article page, outside Scrapy (ms of CPU): "
          + ", ".join(f"{step} {cost:.2f}" for step, cost in steps.items()) + f"; {added:.2f} in all, where the raw "
          f"crawl's process takes {raw_page:.2f} ms of CPU a page: these steps alone put the pages/s ratio at "
          f"{raw_page / (raw_page + added):.2f} at best")
    for kind, values in per_second.items():
        print(f"{kind} pages/s: {spread(values)}")
    small, large, raw_large = memory["newsbot", small_size], memory["newsbot", large_size], memory["raw", large_size]
    print(f"time per article: {small.seconds / small.articles * 1000:.1f} ms at {size_label(small_size)}, "
          f"{large.seconds / large.articles * 1000:.1f} ms at {size_label(large_size)}; peak RSS {small.peak_rss_mb:.0f} "
          f"MB at {size_label(small_size)}, {large.peak_rss_mb:.0f} MB at {size_label(large_size)}, raw spider "
          f"{raw_large.peak_rss_mb:.0f} MB at {size_label(large_size)}; load average now {load()}")
    walls = {kind: statistics.median(run.wall for run in results) for kind, results in runs.items()}
    ratios = {
        "pages_per_second": statistics.median(per_second["newsbot"]) / statistics.median(per_second["raw"]),
        "peak_rss_vs_raw": large.peak_rss_mb / raw_large.peak_rss_mb,
        "peak_rss_large_vs_small": large.peak_rss_mb / small.peak_rss_mb,
        "first_request_vs_raw": statistics.median(startup["newsbot"]) / statistics.median(startup["raw"]),
        "trafilatura_vs_newsbot_wall": walls["trafilatura"] / walls["newsbot"],
    }
    summary = {"machine": machine(), "articles": args.articles, "repeats": args.repeats,
               "concurrency": args.concurrency, "runs": {kind: [vars(run) for run in results]
                                                         for kind, results in runs.items()},
               "memory": {f"{kind}-{size}": vars(run) for (kind, size), run in memory.items()},
               "startup_seconds": startup, "steps_ms": steps, "ratios": ratios}
    (args.results / f"crawl-{stamp}.json").write_text(json.dumps(summary, indent=2), "utf-8")
    print(f"\nratios (medians of one run; newsbot {statistics.median(per_second['newsbot']):.0f} pages/s, raw "
          f"{statistics.median(per_second['raw']):.0f}, trafilatura {statistics.median(per_second['trafilatura']):.0f}; "
          f"whole crawl newsbot {walls['newsbot']:.1f} s, trafilatura {walls['trafilatura']:.1f} s):")
    print(verdict(f"  pages/s newsbot / raw at {size_label(args.articles)}:", ratios["pages_per_second"], ">= 0.6"))
    print(verdict(f"  peak RSS at {size_label(large_size)}, newsbot / raw:", ratios["peak_rss_vs_raw"], "<= 1.5"))
    print(verdict(f"  peak RSS newsbot {size_label(large_size)} / {size_label(small_size)}:",
                  ratios["peak_rss_large_vs_small"], "<= 1.2"))
    print(verdict("  time to first request newsbot / raw:", ratios["first_request_vs_raw"], "<= 2"))
    print(verdict("  whole crawl trafilatura / newsbot:", ratios["trafilatura_vs_newsbot_wall"], ">= 3"))
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
