"""Crawl speed and memory: newsbot's full `rt` crawl beside a raw Scrapy spider, same server, same run.

    python bench/crawl.py [--articles 5000] [--repeats 3] [--memory-sizes 1000 10000] [--quick]

One scale replica (``newsbot serve --articles N``, its own process, pages pre-rendered) serves
both crawls, each in its own process, in turn, ``--repeats`` times:

- raw: a Scrapy spider with Scrapy's default settings that requests the same pages (section
  page, feed, every "More" fragment, every article) and does nothing with them: Scrapy's
  ceiling on this machine;
- newsbot: ``scrapy crawl rt`` with the project's settings, every pipeline and the JSONL feed,
  politeness off for the benchmark only (no AutoThrottle, no delay, ``--concurrency``; robots.txt
  obeyed by both).

Pages per second are responses over the crawl's own elapsed time (Scrapy's
``elapsed_time_seconds``: spider opened to closed, so process start-up is not counted). The
server's CPU share is read from /proc before and after each crawl. Then newsbot's crawl runs on
servers of ``--memory-sizes`` articles for its peak RSS (the child's ``ru_maxrss``), and once under
cProfile, whose top entries are printed and saved in bench/results/. Last, newsbot's own steps
on an article page (parse, extract, the pipelines, export) are timed outside Scrapy, to show where
the difference to the raw spider goes. The last line reads
``crawl ratio R (newsbot X pages/s, raw Y pages/s) | peak RSS A MB at 1k, B MB at 10k``.
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
import time
from contextlib import contextmanager
from dataclasses import dataclass
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


class RawSpider(scrapy.Spider):
    """Requests the section's pages and articles, and nothing else: no extraction, no item.

    Run by ``scrapy runspider`` outside the project (Scrapy's default settings); writes its
    stats as JSON to ``stats_path`` when it closes."""

    name = "raw"

    def __init__(self, base_url: str, stats_path: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.stats_path = stats_path
        self.article_prefix = f"/{SECTION}/"

    async def start(self):
        yield scrapy.Request(f"{self.base_url}/{SECTION}/", priority=LISTING_PRIORITY)
        yield scrapy.Request(f"{self.base_url}/rss/{SECTION}/", callback=self.ignore, priority=LISTING_PRIORITY)

    def parse(self, response):
        """A listing page: its cards' article links, and its "More" fragment."""
        for href in response.css(".card a.link::attr(href), .list-card a.link::attr(href)").getall():
            if href.startswith(self.article_prefix):
                yield scrapy.Request(self.base_url + href, callback=self.ignore, priority=ARTICLE_PRIORITY)
        for more in response.css("div.button a[data-href]::attr(data-href)").getall():
            yield scrapy.Request(self.base_url + urlsplit(more).path, priority=LISTING_PRIORITY)

    def ignore(self, response):
        return None

    def closed(self, reason):
        stats = self.crawler.stats.get_stats()
        # As Scrapy's CoreStats computes it, which may run after this handler.
        stats.setdefault("elapsed_time_seconds", (datetime.now(timezone.utc) - stats["start_time"]).total_seconds())
        Path(self.stats_path).write_text(json.dumps(stats, default=str), "utf-8")


@dataclass
class Crawl:
    kind: str  # "raw" or "newsbot"
    articles: int  # on the replica
    pages: int  # responses received
    seconds: float  # Scrapy's elapsed_time_seconds
    items: int  # articles written (newsbot)
    peak_rss_mb: float
    crawler_cpu: float  # seconds, the whole process
    server_cpu: float  # seconds, during the crawl

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
    """The settings both crawls share: no delay, no AutoThrottle, the same concurrency, robots.txt,
    log level and CONCURRENT_ITEMS (newsbot's value, which spares Scrapy 99 idle tasks per response:
    the raw spider's ceiling gets the same engine)."""
    return {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": str(concurrency),
            "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency), "ROBOTSTXT_OBEY": "1", "LOG_LEVEL": "INFO",
            "CONCURRENT_ITEMS": "1"}


def settings_options(settings: dict[str, str]) -> list[str]:
    return [option for name, value in settings.items() for option in ("-s", f"{name}={value}")]


def run_child(command: list[str], cwd: Path, env: dict, log: Path) -> tuple[int, float, float]:
    """Run a crawl to its end: (exit status, peak RSS in MB, CPU seconds) of that process alone."""
    with log.open("w") as log_file:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def crawl(kind: str, replica: Replica, work: Path, concurrency: int, profile: Path | None = None) -> Crawl:
    work.mkdir(parents=True, exist_ok=True)
    stats_path, output = work / f"{kind}-stats.json", work / f"{kind}.jsonl"
    settings = politeness_off(concurrency)
    if kind == "raw":
        env = {name: value for name, value in os.environ.items() if name != "SCRAPY_SETTINGS_MODULE"}
        command = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve()),
                   "-a", f"base_url={replica.base_url}", "-a", f"stats_path={stats_path}"]
        cwd = work  # no scrapy.cfg here: Scrapy's own defaults, not newsbot's
    else:
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}
        command = [sys.executable, "-m", "scrapy", "crawl", "rt", "-a", f"base_url={replica.base_url}",
                   "-O", str(output)]
        settings["NEWSBOT_REPORT_PATH"] = str(work / "report.json")
        cwd = ROOT
    if profile:
        command[1:3] = ["-m", "cProfile", "-o", str(profile), "-m", "scrapy"]
    server_before = replica.cpu_seconds()
    status, peak_rss, cpu = run_child(command + settings_options(settings), cwd, env, work / f"{kind}.log")
    server_cpu = replica.cpu_seconds() - server_before
    if status != 0:
        raise RuntimeError(f"the {kind} crawl failed (exit status {status}); see {work / f'{kind}.log'}")
    stats = (json.loads(stats_path.read_text("utf-8")) if kind == "raw"
             else json.loads((work / "report.json").read_text("utf-8"))["stats"])
    items = sum(1 for _ in output.open("rb")) if output.exists() else 0
    return Crawl(kind, replica.articles, stats["response_received_count"], stats["elapsed_time_seconds"], items,
                 peak_rss, cpu, server_cpu)


def describe(result: Crawl) -> str:
    return (f"{result.kind:>7}  {result.pages_per_second:7.1f} pages/s  ({result.pages} pages in "
            f"{result.seconds:.1f} s; crawler CPU {result.crawler_cpu:.1f} s = {result.cpu_per_page:.2f} ms/page "
            f"with start-up, peak RSS {result.peak_rss_mb:.0f} MB; server {result.server_share:.2f} cores)")


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f}, min {min(values):.1f}, max {max(values):.1f}"


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
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as scratch:
        work = Path(scratch)
        with Replica(args.articles) as replica:
            print(f"replica: {args.articles} articles at {replica.base_url} (pre-rendered in "
                  f"{replica.startup_seconds:.0f} s, {replica.rss_mb():.0f} MB)", flush=True)
            runs: dict[str, list[Crawl]] = {"raw": [], "newsbot": []}
            for repeat in range(args.repeats):
                for kind in runs:
                    result = crawl(kind, replica, work / f"{kind}-{repeat}", args.concurrency)
                    runs[kind].append(result)
                    print(describe(result), flush=True)
            profile_text = ""
            if args.profile:
                profile = args.results / f"crawl-profile-{stamp}.pstats"
                profiled = crawl("newsbot", replica, work / "profile", args.concurrency, profile=profile)
                print(f"profiled newsbot crawl: {profiled.pages_per_second:.1f} pages/s under cProfile", flush=True)
                profile_text = top_of_profile(profile, profile.with_suffix(".txt"))
        memory: dict[int, Crawl] = {}
        for size in args.memory_sizes:
            with Replica(size) as replica:
                memory[size] = crawl("newsbot", replica, work / f"memory-{size}", args.concurrency)
                print(f"memory, {size} articles: " + describe(memory[size]), flush=True)
    incomplete = [run for run in [*runs["newsbot"], *memory.values()] if run.items != run.articles]
    for run in incomplete:
        print(f"INCOMPLETE: newsbot wrote {run.items} of the replica's {run.articles} articles", flush=True)
    if profile_text:
        print(f"\nCPU profile of newsbot's crawl (full listing: {profile.with_suffix('.txt')}):\n{profile_text}\n")
    raw = [run.pages_per_second for run in runs["raw"]]
    full = [run.pages_per_second for run in runs["newsbot"]]
    steps = step_costs(min(args.articles, STEP_PAGES))
    raw_page, added = 1000 / statistics.median(raw), sum(steps.values())
    print("newsbot's steps per article page, outside Scrapy (ms of CPU): "
          + ", ".join(f"{step} {cost:.2f}" for step, cost in steps.items()) + f"; {added:.2f} in all, where the raw "
          f"crawl takes {raw_page:.2f} ms a page: these steps alone, on the same core, put the ratio at "
          f"{raw_page / (raw_page + added):.2f}")
    ratios = [newsbot / raw for newsbot, raw in zip(full, raw)]
    small, large = (memory[size] for size in args.memory_sizes)
    print(f"raw pages/s: {spread(raw)}; newsbot pages/s: {spread(full)}; ratio per repeat: "
          + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    print(f"time per article: {small.seconds / small.articles * 1000:.1f} ms at {size_label(small.articles)}, "
          f"{large.seconds / large.articles * 1000:.1f} ms at {size_label(large.articles)}; peak RSS ratio "
          f"{large.peak_rss_mb / small.peak_rss_mb:.2f}; load average now {load()}")
    summary = {"machine": machine(), "articles": args.articles, "repeats": args.repeats,
               "concurrency": args.concurrency, "runs": {kind: [vars(run) for run in results]
                                                         for kind, results in runs.items()},
               "memory": {str(size): vars(run) for size, run in memory.items()}, "steps_ms": steps}
    (args.results / f"crawl-{stamp}.json").write_text(json.dumps(summary, indent=2), "utf-8")
    ratio = statistics.median(full) / statistics.median(raw)
    print(f"crawl ratio {ratio:.2f} (newsbot {statistics.median(full):.0f} pages/s, raw {statistics.median(raw):.0f} "
          f"pages/s) | peak RSS {small.peak_rss_mb:.0f} MB at {size_label(small.articles)}, "
          f"{large.peak_rss_mb:.0f} MB at {size_label(large.articles)}")
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
