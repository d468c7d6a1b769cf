"""`newsbot demo | serve | extract | run | reextract`: the offline demo, the replica server, one-page
extraction, the scheduled-job command (one crawl, one output file and its run report), and
re-extraction of stored WARC files."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from itemadapter import ItemAdapter
from w3lib.encoding import html_to_unicode

from newsbot.extract import Page, extract_article
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

    output = Path(args.output or f"output/demo/{datetime.now(timezone.utc):%Y-%m-%dT%H-%M-%S}.jsonl")
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
    stem = output_dir.resolve() / f"{spider}-{now:%Y-%m-%dT%H-%M-%SZ}"
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


def read_page(path: Path) -> str:
    """A saved page, gzip or plain, decoded as it declares (BOM, meta charset), else UTF-8."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    _, text = html_to_unicode(None, data)
    return text


def extract_file(path: Path, url: str | None) -> dict:
    """The cleaned article record of one saved page; the site module is chosen by URL, then markup."""
    return extract_html(read_page(path), url or path.resolve().as_uri())


def extract_html(html: str, url: str) -> dict:
    """The cleaned article record of one decoded page (what `extract` does per page, file aside)."""
    page = Page(url, html)
    article = extract_article(page, site_for_page(url, page.selector), fetched_at=datetime.now(timezone.utc))
    adapter = ItemAdapter(article)
    clean_article(adapter)
    return adapter.asdict()


def cmd_extract(args) -> int:
    if args.batch:
        failures = 0
        with open(args.batch, encoding="utf-8") as manifest:
            for line in filter(str.strip, manifest):
                entry = json.loads(line)
                try:
                    record = extract_file(Path(entry["path"]), entry.get("url"))
                except Exception as error:  # one bad page must not end the batch
                    failures += 1
                    record = {"path": entry.get("path"), "url": entry.get("url"), "error": f"{type(error).__name__}: {error}"}
                print(json.dumps(record, ensure_ascii=False), flush=False)
        return 1 if failures else 0
    if not args.page:
        print("newsbot extract: give PAGE.html or --batch MANIFEST.jsonl", file=sys.stderr)
        return 2
    print(json.dumps(extract_file(Path(args.page), args.url), ensure_ascii=False, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="crawl the bundled offline replica of RT's section and summarise")
    demo.add_argument("--port", type=int, default=0, help="replica port (default: a free one)")
    demo.add_argument("--section", default="russia")
    demo.add_argument("--output", help="JSONL path (default: output/demo/<time>.jsonl)")
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
    extract.add_argument("--batch", help='JSONL manifest of {"path": ..., "url": ...}; one JSON line out per page')
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
