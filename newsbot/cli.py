"""`newsbot demo | serve | extract | run | reextract`: the offline demo, the replica server, one-page
extraction, the scheduled-job command (one crawl, one output file and its run report), and
re-extraction of stored WARC files."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import zlib
from datetime import datetime, timezone
from pathlib import Path

from itemadapter import ItemAdapter
from newsbot.encoding import page_text

from newsbot.extract import Page, extract_article
from newsbot.extract.values import http_url
from newsbot.feedstorage import check_writable, utc_stamp
from newsbot.pipelines.clean import clean_article
from newsbot.sites import site_for_page


def _project_settings(overrides: dict):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsbot.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(spider: str, output: Path, spider_args: dict, overrides: dict | None = None) -> dict:
    """Run one crawl in this process (a reactor runs once per process) and return its stats."""
    from scrapy.crawler import CrawlerProcess

    settings = _project_settings({
        "FEEDS": {str(output): {"format": "jsonlines", "encoding": "utf8", "overwrite": True}},
        **(overrides or {}),
    })
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **spider_args)
    process.start()
    return crawler.stats.get_stats()


def summarize(stats: dict, output: Path | str) -> str:
    lines = [f"articles written: {stats.get('item_scraped_count', 0)}  ->  {output}"]
    for prefix, title in (("newsbot/dropped/", "dropped"), ("newsbot/errors/", "errors"),
                          ("newsbot/skipped/", "skipped")):
        counts = {key[len(prefix):]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}
        lines.append(f"{title}: " + (", ".join(f"{reason} {count}" for reason, count in counts.items()) or "none"))
    discovery = {key.rsplit("/", 1)[-1]: value for key, value in stats.items() if key.startswith("newsbot/discovery/")}
    lines.append("discovered: " + ", ".join(f"{name} {count}" for name, count in sorted(discovery.items())))
    lines.append(f"pages fetched: {stats.get('response_received_count', 0)}, "
                 f"finish reason: {stats.get('finish_reason')}")
    return "\n".join(lines)


def cmd_demo(args) -> int:
    from newsbot.replica import ReplicaServer, ReplicaSite

    output = Path(args.output or f"output/demo/rt-{utc_stamp(datetime.now(timezone.utc))}.jsonl")
    output.unlink(missing_ok=True)  # what is summarised below must come from this run
    with ReplicaServer(ReplicaSite.from_feed(), port=args.port) as server:
        print(f"replica of RT serving on {server.base_url}; crawling section {args.section!r} ...", flush=True)
        stats = run_crawl("rt", output, {"base_url": server.base_url, "section": args.section}, {
            # The replica is ours and local: no need to be slow with it.
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "LOG_LEVEL": args.log_level,
        })
    print(summarize(stats, output))
    if output.exists():
        with output.open(encoding="utf-8") as lines:
            first = json.loads(next(lines))
        print(f"first article: {first['headline']!r} ({first['published_at']}, {len(first['body'])} chars)")
    report_path = output.with_suffix(".report.json")
    if report_path.exists():
        report = json.loads(report_path.read_text("utf-8"))
        verdict = "all checks passed" if report.get("ok") else "FAILED: " + "; ".join(report.get("failures", []))
        print(f"run report: {report_path} ({verdict})")
    return 0 if stats.get("item_scraped_count") else 1


def cmd_serve(args) -> int:
    from newsbot.replica import ReplicaSite, serve_forever
    from newsbot.replica.wordpress import WordPressSite

    if args.articles and (args.site, args.mode) != ("rt", "normal"):
        print("newsbot serve: --articles scales the RT replica in normal mode only", file=sys.stderr)
        return 2
    if args.archive:
        from newsbot.replica.archive import ArchiveReplica

        serve_forever(args.port, ArchiveReplica(ReplicaSite.from_feed()))
        return 0
    if args.articles:
        print(f"rendering the {args.articles} article pages of the scaled replica ...", file=sys.stderr, flush=True)
        site = ReplicaSite.scaled(args.articles)
        site.prerender()
    else:
        site = WordPressSite.from_replica() if args.site == "wordpress" else ReplicaSite.from_feed(mode=args.mode)
    serve_forever(args.port, site)
    return 0


def name_value(pair: str) -> tuple[str, str]:
    name, sep, value = pair.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {pair!r}")
    return name, value


def run_paths(output_dir: Path, spider: str, gzip_output: bool, rotating: bool, now: datetime) -> tuple[str, Path]:
    """This run's output URI (with a part number when rotating) and its report path."""
    stem = output_dir.resolve() / f"{spider}-{utc_stamp(now)}"
    part = "-%(batch_id)03d" if rotating else ""
    return f"{stem}{part}.jsonl{'.gz' if gzip_output else ''}", stem.with_name(stem.name + ".report.json")


def scheduled_crawl_command(args, output_uri: str, report: Path) -> list[str]:
    feed = {"format": "jsonlines", "encoding": "utf8", "overwrite": True}
    if args.gzip:
        feed["postprocessing"] = ["scrapy.extensions.postprocessing.GzipPlugin"]
    if args.max_bytes:
        feed["batch_max_bytes"] = args.max_bytes
    settings = {"FEEDS": json.dumps({output_uri: feed}), "NEWSBOT_REPORT_PATH": str(report),
                **({"NEWSBOT_STATE": str(Path(args.state).resolve())} if args.state else {}),
                **dict(args.setting)}
    command = [sys.executable, "-m", "scrapy", "crawl", args.spider]
    for name, value in args.arg:
        command += ["-a", f"{name}={value}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def cmd_run(args) -> int:
    """One scheduled crawl in a subprocess: exit 0 only if it finished and every monitor passed."""
    from scrapy.spiderloader import get_spider_loader

    from newsbot.commands.crawl import usage_error

    if error := usage_error(get_spider_loader(_project_settings({})), args.spider, dict(args.arg)):
        print(f"newsbot run: {error}", file=sys.stderr)
        return 2
    try:
        check_writable(Path(args.output_dir))
    except OSError as error:
        print(f"newsbot run: cannot write to --output-dir {args.output_dir}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    output_uri, report_path = run_paths(Path(args.output_dir), args.spider, args.gzip, bool(args.max_bytes),
                                        datetime.now(timezone.utc))
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": os.environ.get("SCRAPY_SETTINGS_MODULE", "newsbot.settings")}
    crawl = subprocess.run(scheduled_crawl_command(args, output_uri, report_path), env=env)
    if not report_path.exists():
        print(f"newsbot run: the crawl wrote no run report (exit status {crawl.returncode}); see its log",
              file=sys.stderr)
        return crawl.returncode or 1
    report = json.loads(report_path.read_text("utf-8"))
    print(summarize(report["stats"], ", ".join(output["path"] for output in report["outputs"]) or "no file"))
    print(f"run report: {report_path}")
    for failure in report["failures"]:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 0 if report["ok"] and crawl.returncode == 0 else 1


def cmd_reextract(args) -> int:
    """Today's extraction over stored pages (WARC files), no network: the ``warc`` spider as a
    scheduled run; with a state, a changed article is re-emitted with version + 1 and an unchanged
    one counted (NEWSBOT_REFRESH)."""
    args.spider = "warc"
    args.arg = [("path", str(Path(args.path).resolve()) if not args.path.startswith(("http://", "https://"))
                 else args.path), *args.arg]
    if args.state:
        args.setting = [("NEWSBOT_REFRESH", "1"), *args.setting]
    return cmd_run(args)


GZIP_MAGIC = b"\x1f\x8b"
MAX_PAGE_BYTES = 16 * 1024 * 1024  # as DOWNLOAD_MAXSIZE: no news page is bigger
HTML_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|meta|title|p|div|article|h1)\b", re.IGNORECASE)
UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff")


class PageError(Exception):
    """A saved page that cannot be read as one: the message says why, in a few words."""


def _read_at_most(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(limit + 1)
    except FileNotFoundError:
        raise PageError("no such file (FileNotFoundError)") from None
    except IsADirectoryError:
        raise PageError("is a directory, not a saved page") from None
    except OSError as error:
        raise PageError(f"cannot be read: {error.strerror or error}") from None


def read_page(path: Path, limit: int = MAX_PAGE_BYTES) -> str:
    """A saved page, gzip or plain, decoded as it declares (BOM, meta charset), else UTF-8 (a
    declaration its bytes contradict is overruled: newsbot.encoding.page_text). Reads at
    most ``limit`` bytes (compressed and decompressed): memory stays bounded whatever the file."""
    data = _read_at_most(path, limit)
    if data[:2] == GZIP_MAGIC:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(limit + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise PageError(f"damaged or truncated gzip ({error})") from None
    if len(data) > limit:
        raise PageError(f"larger than {limit // 2**20} MB: not a saved page")
    if not data.strip():
        raise PageError("empty file")
    if b"\x00" in data[:8192] and not data.startswith(UTF16_32_BOMS):
        raise PageError("binary data, not an HTML page")
    text = page_text(data)  # a declaration its bytes contradict is overruled
    if not HTML_MARKUP.search(text[:65536].encode("utf-8", "replace")):
        raise PageError("no HTML markup: not a saved page")
    return text


def extract_file(path: Path, url: str | None) -> dict:
    """The cleaned article record of one saved page; the site module is chosen by URL, then markup.
    Without ``url`` the record's url is the file's ``file://`` URI (the schema allows it)."""
    return extract_html(read_page(path), url or path.resolve().as_uri())


def extract_html(html: str, url: str) -> dict:
    """The cleaned article record of one decoded page (what `extract` does per page, file aside)."""
    page = Page(url, html)
    article = extract_article(page, site_for_page(url, page.selector), fetched_at=datetime.now(timezone.utc))
    adapter = ItemAdapter(article)
    clean_article(adapter)
    return adapter.asdict()


def batch_record(line: str, folder: Path) -> dict:
    """The record of one manifest line; PageError or ValueError for a line that cannot be one."""
    entry = json.loads(line)
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise PageError('expected a JSON object with "path" (and optionally "url")')
    url = entry.get("url")
    if url is not None and not http_url(url, ""):
        raise PageError(f"url {url!r} is not an http(s) URL")
    return extract_file(folder / entry["path"], url)  # a relative path is relative to the manifest


def cmd_extract(args) -> int:
    if args.batch:
        manifest = Path(args.batch)
        try:
            lines = manifest.open(encoding="utf-8", errors="replace")
        except OSError as error:
            print(f"newsbot extract: {manifest}: {error.strerror or error}", file=sys.stderr)
            return 1
        failures = 0
        with lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = batch_record(line, manifest.parent)
                except Exception as error:  # one bad line or page must not end the batch
                    failures += 1
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        entry = None
                    entry = entry if isinstance(entry, dict) else {}
                    problem = str(error) if isinstance(error, PageError) else f"{type(error).__name__}: {error}"
                    record = {"line": number, "path": entry.get("path"), "url": entry.get("url"), "error": problem}
                print(json.dumps(record, ensure_ascii=False), flush=True)
        return 1 if failures else 0
    if not args.page:
        print("newsbot extract: give PAGE.html or --batch MANIFEST.jsonl", file=sys.stderr)
        return 2
    if args.url and not http_url(args.url, ""):
        print(f"newsbot extract: --url {args.url!r} is not an http(s) URL", file=sys.stderr)
        return 2
    try:
        record = extract_file(Path(args.page), args.url)
    except PageError as error:
        print(f"newsbot extract: {args.page}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return 0


class OneLineParser(argparse.ArgumentParser):
    """A usage error is one line (``newsbot run: error: ...``) and exit status 2, no usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="newsbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="crawl the bundled offline replica of RT's section and summarise")
    demo.add_argument("--port", type=int, default=0, help="replica port (default: a free one)")
    demo.add_argument("--section", default="russia")
    demo.add_argument("--output", help="JSONL path (default: output/demo/rt-<UTC time>.jsonl)")
    demo.add_argument("--log-level", default="WARNING")
    demo.set_defaults(func=cmd_demo)
    serve = commands.add_parser("serve", help="serve the offline replica on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--mode", default="normal", choices=("normal", "challenge", "drifted"),
                       help="challenge: every page is a bot wall; drifted: article layout redesigned")
    serve.add_argument("--site", default="rt", choices=("rt", "wordpress"),
                       help="wordpress: a republisher of RT's articles (Jannah theme), the seed's page among them")
    serve.add_argument("--articles", type=int, default=0, metavar="N",
                       help="scale replica: the section 'russia' with N articles recombined from the real texts")
    serve.add_argument("--archive", action="store_true",
                       help="serve the replica as a web archive (Wayback CDX + raw replay, Common Crawl index + "
                            "ranged WARC reads) for `scrapy crawl archive -a archive_url=...`")
    serve.set_defaults(func=cmd_serve)
    extract = commands.add_parser("extract", help="print the article record of saved page(s) as JSON")
    extract.add_argument("page", nargs="?", help="saved page (.html or .html.gz)")
    extract.add_argument("--url", help="the page's URL: chooses the site module, resolves links")
    extract.add_argument("--batch", help='JSONL manifest of {"path": ..., "url": ...} (relative paths: from '
                         "the manifest's folder); one JSON line out per line, {\"error\": ...} for one that fails; "
                         "exit 1 if any did")
    extract.set_defaults(func=cmd_extract)
    run = commands.add_parser("run", help="the scheduled job: one crawl -> one output file + run report; "
                              "exit 1 when the crawl did not finish or a monitor failed")
    run.add_argument("spider", help="spider name, e.g. rt")
    run.add_argument("--output-dir", required=True, help="where <spider>-<UTC time>.jsonl and .report.json go")
    run.add_argument("--state", help="repeat-run state (NEWSBOT_STATE): articles exported before are not again")
    run.add_argument("-a", dest="arg", action="append", default=[], type=name_value, metavar="NAME=VALUE",
                     help="spider argument")
    run.add_argument("-s", dest="setting", action="append", default=[], type=name_value, metavar="NAME=VALUE",
                     help="Scrapy setting")
    run.add_argument("--gzip", action="store_true", help="write .jsonl.gz")
    run.add_argument("--max-bytes", type=int, default=0, help="rotate to a new part file past this size")
    run.set_defaults(func=cmd_run)
    reextract = commands.add_parser("reextract", help="re-run today's extraction over stored WARC files (no "
                                    "network); with --state, changed articles are re-emitted with version+1")
    reextract.add_argument("path", help="a WARC file, a directory of *.warc[.gz] (e.g. NEWSBOT_WARC's), or a glob")
    reextract.add_argument("--output-dir", default="output/reextract", help="where the output and its report go")
    reextract.add_argument("--state", help="the state the pages were exported with (NEWSBOT_STATE)")
    reextract.add_argument("-a", dest="arg", action="append", default=[], type=name_value, metavar="NAME=VALUE",
                           help="warc spider argument (site=rt, section=russia)")
    reextract.add_argument("-s", dest="setting", action="append", default=[], type=name_value,
                           metavar="NAME=VALUE", help="Scrapy setting")
    reextract.set_defaults(func=cmd_reextract, gzip=False, max_bytes=0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
