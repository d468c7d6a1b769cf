"""The fault suite: `scrapy crawl rt` against a misbehaving replica. Every article that the
server can serve comes out exactly once and exact; every one it cannot is counted and logged."""

from __future__ import annotations

import gzip
import json
import random
import re
import signal
import subprocess
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from conftest import CRAWL_ENV, ROOT, crawl, crawl_command
from newsbot.replica import ReplicaSite, expected_records, listing_path

from .harness import Case, stats_of
from .hostile import before_first_jsonld, cut_markup, padded, recoded, with_malformed_links, xml_bomb, xxe
from .russian import PANGRAM, russian_article
from .server import (Fault, FaultServer, Sentinel, cut_body, false_gzip, redirect, reset, serve, slow, stall,
                     stall_body, status, streamed, transformed)

pytestmark = pytest.mark.slow

TIMEOUT = 2  # DOWNLOAD_TIMEOUT of the fault crawls: a stall of STALL seconds outlasts it
STALL = TIMEOUT + 2
MAXSIZE = 1024 * 1024  # DOWNLOAD_MAXSIZE of the fault crawls
FAULT_SETTINGS = {"DOWNLOAD_TIMEOUT": TIMEOUT, "DOWNLOAD_MAXSIZE": MAXSIZE, "DOWNLOAD_WARNSIZE": MAXSIZE // 2,
                  "RETRY_BACKOFF_BASE": 0.25, "RETRY_BACKOFF_MAX": 5, "SPIDERMON_ENABLED": False}
LATER = datetime(2024, 12, 6, 12, 0, tzinfo=timezone.utc)  # newer than every article of the feed


def russia_paths(site: ReplicaSite) -> list[str]:
    return [article.path for article in site.section_articles("russia")]


def truth_of(site: ReplicaSite) -> dict[str, dict]:
    return {record["id"]: record for record in expected_records(site) if record["section"] == "russia"}


def article_id(path: str) -> str:
    return "rt:" + re.search(r"/(\d+)-", path).group(1)


def crawl_cases(tmp_path, fault_report, site: ReplicaSite, cases: list[Case], name: str,
                helpers: dict[str, Fault] | None = None):
    """Crawl ``site`` served with the faults of ``cases`` (and ``helpers``), judge every case into
    the fault report, and check that the crawl ended well and every case survived."""
    with FaultServer(site, {**(helpers or {}), **{case.path: case.fault for case in cases}}) as server:
        result = crawl("rt", tmp_path / f"{name}.jsonl", {"base_url": server.base_url}, FAULT_SETTINGS, timeout=240)
    (tmp_path / f"{name}.log").write_text(result.log, "utf-8")  # for whoever reads a failure
    fault_report.judge(cases, result.items, truth_of(site), result.log)
    assert result.returncode == 0, result.log[-3000:]
    assert "'finish_reason': 'finished'" in result.log
    assert not [stat for stat in stats_of(result.log) if stat.startswith("spider_exceptions/")]
    failures = {case.kind: fault_report.rows[case.kind].failures for case in cases}
    assert not any(failures.values()), failures
    return server, result


def gzip_bomb(size: int):
    data = gzip.compress(b" " * size)
    return transformed(lambda body: data, headers={"Content-Encoding": "gzip"})


def http_date_in(seconds: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds), usegmt=True)


# -- crawl 1: transient faults on the 32 real articles and on the listing and feed --

def transient_cases(site: ReplicaSite) -> list[Case]:
    paths = iter(russia_paths(site))
    cases = [
        ("http_429_retry_after", (status(429, {"Retry-After": "2"}), serve())),
        ("http_429", (status(429), serve())),
        ("http_503_retry_after_date", (status(503, {"Retry-After": lambda: http_date_in(2)}), serve())),
        ("http_503_retry_after_a_day", (status(503, {"Retry-After": "86400"}), serve())),  # capped
        ("http_503", (status(503), serve())),
        ("http_503", (status(503), status(503), serve())),
        ("timeout", (stall(STALL), serve())),
        ("body_stalls_midway", (stall_body(STALL), serve())),
        ("connection_reset", (reset(), serve())),
        ("body_cut_short", (cut_body(), serve())),
        ("gzip_that_is_not_gzip", (false_gzip(),)),
        ("markup_truncated", (transformed(cut_markup),)),
        ("jsonld_invalid", (transformed(before_first_jsonld('{"@type": "NewsArticle", "headline": ')),)),
        ("jsonld_deep_nesting", (transformed(before_first_jsonld("[" * 100_000 + "]" * 100_000)),)),
        ("jsonld_deep_nesting", (transformed(before_first_jsonld('{"a":' * 900 + "1" + "}" * 900)),)),
        ("jsonld_huge_string", (transformed(before_first_jsonld(json.dumps(
            {"@type": "NewsArticle", "headline": "A" * 300_000, "datePublished": "1999-01-01"}))),)),
        ("jsonld_huge_graph", (transformed(before_first_jsonld(json.dumps(
            {"@graph": [{"@type": "Thing", "name": str(n)} for n in range(15_000)]}))),)),
    ]
    built = [Case(kind, path, Fault(kind, steps), article_id=article_id(path))
             for (kind, steps), path in zip(cases, paths)]
    built += [
        Case("listing_http_429_retry_after", "/russia/", Fault("listing", (status(429, {"Retry-After": "3"}), serve()))),
        Case("listing_connection_reset", listing_path("russia", site.page_size, 1), Fault("listing", (reset(), serve()))),
        Case("listing_malformed_links", listing_path("russia", site.page_size, 2),
             Fault("listing", (transformed(with_malformed_links),))),
        Case("feed_billion_laughs", "/rss/russia/", Fault("feed", (transformed(xml_bomb),))),
    ]
    return built


def test_transient_faults_lose_and_duplicate_nothing(tmp_path, fault_report):
    site = ReplicaSite.from_feed()
    cases = transient_cases(site)
    server, result = crawl_cases(tmp_path, fault_report, site, cases, "transient")
    stats = stats_of(result.log)
    # Retry-After is honoured, and the crawl goes on while one request waits.
    waited = server.hits_of(cases[0].path)
    assert waited[1].at - waited[0].at >= 1.9
    waited = server.hits_of(cases[2].path)  # an HTTP-date two seconds ahead (whole seconds)
    assert waited[1].at - waited[0].at >= 0.9
    waited = server.hits_of(cases[3].path)  # a day, capped at RETRY_BACKOFF_MAX
    assert FAULT_SETTINGS["RETRY_BACKOFF_MAX"] - 0.1 <= waited[1].at - waited[0].at < 10
    listing = server.hits_of("/russia/")
    assert listing[1].at - listing[0].at >= 2.9
    assert sum(listing[0].at < hit.at < listing[1].at for hit in server.hits) >= 10
    assert stats.get("newsbot/feeds/entries", 0) >= 32  # the bomb's DTD is ignored, its items read
    assert stats.get("newsbot/discovery/malformed_links") == 2
    assert "lollollol" not in result.output.read_text("utf-8")


# -- crawl 2: Russian pages in legacy encodings, declared rightly, wrongly or not at all --

ENCODINGS = {  # kind: (body in, <meta charset>, BOM, charset of the Content-Type header)
    "windows-1251_in_header": ("cp1251", None, b"", "windows-1251"),
    "windows-1251_in_meta_only": ("cp1251", "windows-1251", b"", None),
    "windows-1251_undeclared": ("cp1251", None, b"", None),
    "koi8-r_in_header": ("koi8_r", None, b"", "koi8-r"),
    "koi8-r_undeclared": ("koi8_r", None, b"", None),
    "utf-8_bom_header_says_windows-1251": ("utf-8", None, b"\xef\xbb\xbf", "windows-1251"),
    "utf-16_bom_undeclared": ("utf-16-le", None, b"\xff\xfe", None),
    "windows-1251_header_says_utf-8": ("cp1251", None, b"", "utf-8"),
    "windows-1251_header_says_iso-8859-1": ("cp1251", None, b"", "iso-8859-1"),
    "koi8-r_meta_says_windows-1251": ("koi8_r", "windows-1251", b"", None),
    "windows-1251_meta_says_utf-8_header_right": ("cp1251", "utf-8", b"", "windows-1251"),
}


def encoding_cases(site: ReplicaSite) -> list[Case]:
    cases = []
    for number, (kind, (charset, meta, bom, header)) in enumerate(ENCODINGS.items(), start=1):
        article = russian_article(700000 + number, f"kodirovka-{number}", LATER + timedelta(minutes=number))
        site.add(article)
        content_type = "text/html" + (f"; charset={header}" if header else "")
        fault = Fault(kind, (transformed(recoded(charset, meta, bom), content_type=content_type),))
        cases.append(Case(kind, article.path, fault, article_id=f"rt:{article.id}"))
    return cases


def test_russian_pages_come_out_as_cyrillic_whatever_their_encoding(tmp_path, fault_report):
    site = ReplicaSite.from_feed()
    cases = encoding_cases(site)
    _, result = crawl_cases(tmp_path, fault_report, site, cases, "encodings")
    truth = truth_of(site)
    by_id = {item["id"]: item for item in result.items}
    for case in cases:
        item = by_id.get(case.article_id)
        assert item is not None, case.kind
        expected = truth[case.article_id]
        assert (item["headline"], item["summary"], item["body"]) == \
            (expected["headline"], expected["summary"], expected["body"]), case.kind
    assert PANGRAM in by_id[cases[2].article_id]["body"]  # windows-1251, no charset anywhere
    wrong = [kind for kind in ENCODINGS if "_says_" in kind and "header_right" not in kind and "bom" not in kind]
    assert stats_of(result.log).get("newsbot/fixed/wrong_charset") == len(wrong)


# -- crawl 3: what cannot or must not be fetched: counted, logged, and never followed off-site --

def refusal_cases(site: ReplicaSite, sentinel: Sentinel) -> tuple[list[Case], dict[str, Fault]]:
    """Cases on extra articles (so the 32 real ones must all still come out), and the helper
    faults they need (the second hop of a redirect loop, robots.txt)."""
    plans = [
        ("redirect_loop", lambda path: (redirect(path),), "redirect_loop"),
        ("redirect_loop_of_two", lambda path: (redirect(f"/loop{path}"),), "redirect_loop"),
        ("redirect_chain_too_long", lambda path: tuple(redirect(f"{path}?hop={n}") for n in range(40)),
         "too_many_redirects"),
        ("redirect_to_other_host", lambda path: (redirect(sentinel.origin + path),), "offsite_redirect"),
        ("redirect_to_other_host_after_retry", lambda path: (status(503), redirect(sentinel.origin + path)),
         "offsite_redirect"),
        ("redirect_to_file_url", lambda path: (redirect("file:///etc/passwd"),), "http_302"),
        ("enormous_page_declared", lambda path: (transformed(padded(2 * MAXSIZE)),), "too_large"),
        ("enormous_page_streamed", lambda path: (streamed(padded(2 * MAXSIZE)),), "too_large"),
        ("gzip_bomb", lambda path: (gzip_bomb(64 * MAXSIZE),), "too_large"),
        ("robots_txt_disallows", lambda path: (serve(),), "robots_forbidden"),
        ("http_503_forever", lambda path: (status(503),), "http_503"),
        ("timeout_forever", lambda path: (stall(STALL),), "timeout"),
        ("connection_reset_forever", lambda path: (reset(),), "connection_lost"),
    ]
    cases, helpers, disallowed = [], {}, []
    for number, (kind, steps, error) in enumerate(plans, start=1):
        article = russian_article(800000 + number, f"otkaz-{number}", LATER + timedelta(minutes=number))
        site.add(article)
        cases.append(Case(kind, article.path, Fault(kind, steps(article.path)), expect="refused", error=error,
                          article_id=f"rt:{article.id}"))
        if kind == "redirect_loop_of_two":
            helpers[f"/loop{article.path}"] = Fault(kind, (redirect(article.path),))
        if kind == "robots_txt_disallows":
            disallowed.append(article.path)
    robots = "".join(f"Disallow: {path}\n" for path in disallowed).encode()
    helpers["/robots.txt"] = Fault("robots", (transformed(lambda body: body + robots),))
    cases.append(Case("feed_external_entities", "/rss/russia/", Fault("feed", (transformed(xxe(sentinel.origin)),))))
    return cases, helpers


def test_refused_pages_are_counted_logged_and_never_followed_off_site(tmp_path, fault_report):
    site = ReplicaSite.from_feed()
    with Sentinel() as sentinel:
        cases, helpers = refusal_cases(site, sentinel)
        server, result = crawl_cases(tmp_path, fault_report, site, cases, "refusals", helpers)
        connections = sentinel.connections
    assert connections == 0  # no redirect, no external entity reached the other host
    output = result.output.read_text("utf-8")
    assert "root:" not in output and "/bin/" not in output
    robots_case = next(case for case in cases if case.kind == "robots_txt_disallows")
    assert server.hits_of(robots_case.path) == []


# -- crash safety: SIGKILL at random moments, then the same state again --

KILL_SEED = 6
ARTICLE_PATH = re.compile(r"^/russia/\d+-")
# When a run is killed: while starting up; after some article pages came in (items are being
# written to the .part file); the moment its output file appears (renamed, state not yet settled).
KILL_MOMENTS = ("startup", "mid_crawl", "mid_crawl", "mid_crawl", "mid_crawl", "output_renamed", "output_renamed",
                "output_renamed")
NEW_PER_RUN = 2  # the site grows between runs, so a run after a completed one still has work
# Requests after which the JOBDIR crawl is well under way: most articles claimed, a .part file.
# (Its requests.seen stays in Scrapy's 8 KiB buffer: only listing pages after the first are filtered.)
UNDER_WAY = 420


def start_crawl(server: FaultServer, output, settings: dict) -> subprocess.Popen:
    return subprocess.Popen(crawl_command("rt", ["-o", str(output)], {"base_url": server.base_url}, settings),
                            cwd=ROOT, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until(process: subprocess.Popen, condition, poll: float = 0.01) -> None:
    while process.poll() is None and not condition():
        time.sleep(poll)


def kill(process: subprocess.Popen, moment: str, started: float) -> str:
    """SIGKILL ``process`` and say when that was."""
    finished = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return f"{moment} at {time.monotonic() - started:.2f}s" + (" (had finished)" if finished else "")


def kill_when(moment: str, rng: random.Random, server: FaultServer, output, process) -> str:
    """Wait for ``moment`` of the running crawl and SIGKILL it."""
    started, first_hit = time.monotonic(), len(server.hits)
    if moment == "startup":
        time.sleep(rng.uniform(0.2, 1.5))
    elif moment == "mid_crawl":
        pages = rng.randint(1, 12)
        wait_until(process, lambda: sum(bool(ARTICLE_PATH.match(hit.path)) for hit in server.hits[first_hit:]) >= pages)
    else:
        wait_until(process, output.exists, poll=0.001)
    return kill(process, moment, started)


def complete_lines(path) -> list[dict]:
    """The records of an output file, which must be whole: every line JSON, the last one ended."""
    text = path.read_text("utf-8")
    assert text.endswith("\n"), f"{path.name} ends mid-line"
    return [json.loads(line) for line in text.splitlines()]


def judge_runs(fault_report, kind: str, outputs, site: ReplicaSite, kills: list[str]) -> None:
    """Over all runs' outputs: every article exactly once, every file whole (only .part files,
    never renamed, may hold a killed run's items)."""
    counts = Counter(item["id"] for path in outputs.glob("*.jsonl") for item in complete_lines(path))
    for report in outputs.glob("*.report.json"):  # the run reports beside them are whole too
        json.loads(report.read_text("utf-8"))
    truth = truth_of(site)
    lost = [article for article in truth if counts[article] == 0]
    duplicated = {article: count for article, count in counts.items() if count > 1}
    row = fault_report.row(kind)
    for moment in kills:
        row.add(survived=not lost and not duplicated, why=moment)
    row.notes.extend(kills + ["files: " + ", ".join(sorted(path.name for path in outputs.iterdir()))])
    row.lost, row.duplicated = len(lost), sum(count - 1 for count in duplicated.values())
    assert not lost and not duplicated, (kills, lost, duplicated)
    assert set(counts) == set(truth)


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path, fault_report):
    rng = random.Random(KILL_SEED)
    site = ReplicaSite.from_feed()
    outputs = tmp_path / "out"
    settings = {**FAULT_SETTINGS, "NEWSBOT_STATE": tmp_path / "state.sqlite"}
    kills = []
    with FaultServer(site) as server:
        for run_number, moment in enumerate(rng.sample(KILL_MOMENTS, len(KILL_MOMENTS))):
            for extra in range(NEW_PER_RUN):
                site.add(russian_article(900000 + run_number * NEW_PER_RUN + extra, f"novoe-{run_number}-{extra}",
                                         LATER + timedelta(hours=run_number, minutes=extra)))
            server.faults.update({path: Fault("slow", (slow(0.3),)) for path in russia_paths(site)})
            output = outputs / f"run-{run_number}.jsonl"
            kills.append(kill_when(moment, rng, server, output, start_crawl(server, output, settings)))
        last = crawl("rt", outputs / "last.jsonl", {"base_url": server.base_url}, settings, timeout=240)
    (tmp_path / "last.log").write_text(last.log, "utf-8")
    assert last.returncode == 0, last.log[-3000:]
    judge_runs(fault_report, "sigkill_then_rerun_same_state", outputs, site, kills)


def unwritten_queue_file(job) -> bool:
    """A request of the crawl sits in JOBDIR's disk queue with nothing of it on disk yet: its
    queue file exists but is empty (queuelib writes it through a buffer, its header on close)."""
    try:
        return any(path.is_file() and not path.stat().st_size for path in (job / "requests.queue").rglob("*"))
    except FileNotFoundError:  # a queue emptied and removed meanwhile
        return False


def test_sigkill_with_a_jobdir_loses_nothing(tmp_path, fault_report):
    """A JOBDIR outlives a SIGKILL half-written: disk queue files torn, a duplicate filter that
    remembers requests which died with the process. A run resumed from it used to filter its own
    start requests and export nothing (482 of 482 lost); then, killed with a queue file still
    empty, to fail on that file: its pagination dropped (473 lost) or the crawl hung."""
    site = ReplicaSite.from_feed()
    for number in range(450):  # enough pages for the crawl to be killed well under way
        site.add(russian_article(950000 + number, f"mnogo-{number}", LATER + timedelta(minutes=number)))
    outputs, job = tmp_path / "out", tmp_path / "job"
    settings = {**FAULT_SETTINGS, "NEWSBOT_STATE": tmp_path / "state.sqlite", "JOBDIR": job}
    with FaultServer(site) as server:
        started, process = time.monotonic(), start_crawl(server, outputs / "killed.jsonl", settings)
        # Killed the moment the queue holds a request that is not on disk yet (one comes every few
        # listing pages; a kill at an arbitrary moment caught one only now and then).
        wait_until(process, lambda: len(server.hits) >= UNDER_WAY and unwritten_queue_file(job), poll=0.002)
        kills = [kill(process, f"after {len(server.hits)} requests, a queue file empty", started)]
        assert "had finished" not in kills[0], "the crawl finished before its queue was caught unwritten"
        resumed = crawl("rt", outputs / "resumed.jsonl", {"base_url": server.base_url}, settings, timeout=240)
    (tmp_path / "resumed.log").write_text(resumed.log, "utf-8")
    assert resumed.returncode == 0, resumed.log[-3000:]
    judge_runs(fault_report, "sigkill_with_jobdir_then_resume", outputs, site, kills)
