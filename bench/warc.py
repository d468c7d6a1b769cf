"""WARC input, measured in one run: the `warc` spider over a synthetic CC-NEWS-like WARC.gz (1 % of
its records are articles of RT's section) against the reader libraries' own bare iteration over
the same file, its peak memory at two file sizes, and the CPU per exported article against a live
crawl of the replica.

    python bench/warc.py                 # 100 MB and 1,000 MB files (about 10 min on 2 cores)
    python bench/warc.py --small 20 --large 200   # quicker

Rates are records per CPU-second (each reader runs on one core; wall time on a shared machine says
more about the neighbours). Last line: ``warc ratio R, R' without the spider's start-up (S CPU-s) (spider X records per CPU-second, FastWARC
bare Y; warcio bare Z; newsbot's reader alone W) | peak RSS
A MB at S MB, B MB at L MB (xF) | CPU per article: warc C ms, live D ms``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsbot.replica import ReplicaServer, ReplicaSite  # noqa: E402
from newsbot.replica.scale import scaled_article, text_pool  # noqa: E402

MATCHING_SHARE = 0.01
ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "ROBOTSTXT_OBEY=0"]


def member(url: str, body: bytes, when: str) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                  http_headers=http, warc_headers_dict={"WARC-Date": when}))
    return buffer.getvalue()


def build(path: Path, size_mb: int, seed: int = 7) -> tuple[int, int]:
    """A WARC.gz of about ``size_mb`` MB, one gzip member per record as CC-NEWS has it: pages of
    other sites, and 1 % RT articles of the section (distinct ids), in random order. Returns
    (records, matching records)."""
    rng = random.Random(seed)
    site = ReplicaSite.scaled(1)
    pool = text_pool()
    # Other sites' pages, about 90 KB of HTML each (a typical news page; an RT page alone is 17 KB):
    # each record gets its own URL.
    renders = [_render(site, scaled_article(10_000_000 + index, pool)) for index in range(100)]
    other = [b"".join(rng.sample(renders, 5)) for _ in range(200)]
    records = matching = written = 0
    with open(path, "wb") as out:
        while written < size_mb * 1_000_000:
            if rng.random() < MATCHING_SHARE:
                article = scaled_article(matching, pool)
                data = member(f"https://www.rt.com/russia/{article.id}-{article.slug}/", _render(site, article),
                              "2024-12-06T10:00:00Z")
                matching += 1
            else:
                body = rng.choice(other)
                data = member(f"https://news{rng.randrange(500)}.example.org/world/{records}-story/", body,
                              "2024-12-06T10:00:00Z")
            out.write(data)
            written += len(data)
            records += 1
    return records, matching


def _render(site: ReplicaSite, article) -> bytes:
    return site._render_article(article, amp=False)


def bare(iterator_class, path: Path, **options) -> tuple[int, float]:
    """A reader's own iteration over every record (no content read): records and CPU seconds."""
    start, count = time.process_time(), 0
    with open(path, "rb") as stream:
        for _ in iterator_class(stream, **options):
            count += 1
    return count, time.process_time() - start


def newsbot_reader(path: Path) -> tuple[int, float]:
    """newsbot's own reader with the spider's filter (RT's section), every capture's body read:
    records and CPU seconds."""
    from collections import Counter

    from newsbot.sites.rt import SITE
    from newsbot.warc.reader import read_captures

    start, counts = time.process_time(), Counter()
    with open(path, "rb") as stream:
        for capture in read_captures(stream, lambda url: (match := SITE.article_match(url)) is not None
                                     and match["section"] == "russia", counts):
            assert capture.body
    return counts["records"], time.process_time() - start


def crawl(spider: str, output: Path, args: dict) -> dict:
    """One crawl in a subprocess: its wall time, CPU, peak RSS (of that process alone) and item count."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(output), *FAST]
    for name, value in args.items():
        command += ["-a", f"{name}={value}"]
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            log.seek(0)
            raise SystemExit(f"{spider} crawl failed:\n{log.read()[-3000:]}")
    items = sum(1 for _ in output.open()) if output.exists() else 0
    return {"wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2), "items": items,
            "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def warc_crawl(path: Path, work: Path) -> dict:
    return crawl("warc", work / f"{path.stem}.jsonl", {"path": path, "site": "rt", "section": "russia"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=100, help="MB of the smaller file")
    parser.add_argument("--large", type=int, default=1000, help="MB of the larger file")
    parser.add_argument("--live-articles", type=int, default=300)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsbot-warc-bench-") as folder:
        work = Path(folder)
        sizes = {}
        for name, size in (("large", options.large), ("small", options.small)):
            path = work / f"{name}.warc.gz"
            started = time.perf_counter()
            records, matching = build(path, size)
            sizes[name] = (path, records, matching)
            print(f"built {path.name}: {path.stat().st_size / 1e6:.0f} MB, {records} records, {matching} matching "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
        small_path, small_records, _ = sizes["small"]
        large_path, large_records, large_matching = sizes["large"]
        one_path = work / "one.warc.gz"  # the spider's start-up and shutdown: a file of one unwanted record
        one_path.write_bytes(member("https://example.org/", b"<html></html>", "2024-12-06T10:00:00Z"))
        startup = min((warc_crawl(one_path, work) for _ in range(3)), key=lambda run: run["cpu"])
        print(f"warc spider, one record (start-up, best of 3): {startup}", flush=True)
        small = warc_crawl(small_path, work)
        print(f"warc spider, small: {small}", flush=True)
        large = warc_crawl(large_path, work)
        print(f"warc spider, large: {large}", flush=True)
        from fastwarc.warc import ArchiveIterator as FastWarcIterator
        from warcio.archiveiterator import ArchiveIterator as WarcioIterator

        fast_count, fast_time = bare(FastWarcIterator, large_path, parse_http=False)
        warcio_count, warcio_time = bare(WarcioIterator, large_path)
        reader_count, reader_time = newsbot_reader(large_path)
        assert fast_count == warcio_count == reader_count == large_records, (fast_count, warcio_count, large_records)
        assert large["items"] == large_matching, (large["items"], large_matching)
        with ReplicaServer(ReplicaSite.scaled(options.live_articles)) as server:
            live = crawl("rt", work / "live.jsonl", {"base_url": server.base_url})
        print(f"live crawl: {live}", flush=True)
    # CPU seconds, not wall time: each reader runs on one core, and the machine may be shared
    spider_rate = large_records / large["cpu"]
    working_rate = large_records / (large["cpu"] - startup["cpu"])  # as bench/crawl.py's rates: no start-up
    fast_rate, warcio_rate, reader_rate = fast_count / fast_time, warcio_count / warcio_time, reader_count / reader_time
    print(json.dumps({"records": large_records, "matching": large_matching, "spider_cpu_s": large["cpu"],
                      "spider_wall_s": large["wall"], "fastwarc_cpu_s": round(fast_time, 1),
                      "warcio_cpu_s": round(warcio_time, 1), "newsbot_reader_cpu_s": round(reader_time, 1)}))
    print(f"warc ratio {spider_rate / fast_rate:.2f}, {working_rate / fast_rate:.2f} without the spider's start-up "
          f"({startup['cpu']} CPU-s) (spider {spider_rate:.0f} records per CPU-second, FastWARC bare "
          f"{fast_rate:.0f}; warcio bare {warcio_rate:.0f}; newsbot's reader alone {reader_rate:.0f}) | peak RSS {small['peak_rss_mb']} MB at "
          f"{options.small} MB, {large['peak_rss_mb']} MB at {options.large} MB "
          f"(x{large['peak_rss_mb'] / small['peak_rss_mb']:.2f}) | CPU per article: warc "
          f"{1000 * large['cpu'] / large['items']:.1f} ms, live {1000 * live['cpu'] / live['items']:.1f} ms (start-up "
          f"included); warc without start-up {1000 * (large['cpu'] - small['cpu']) / (large['items'] - small['items']):.1f}"
          f" ms (the large file's CPU beyond the small one's, per article more; 1 % matching: 100 records read each)")


if __name__ == "__main__":
    main()
