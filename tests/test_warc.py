"""WARC out (NEWSBOT_WARC), WARC in (`scrapy crawl warc`), `newsbot reextract`: round trips over the
replica, files written by another tool (wget), and damaged files (broken gzip members, truncated
records, revisits, wrong lengths)."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from warcio.archiveiterator import ArchiveIterator as WarcioIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import CRAWL_ENV, ROOT, crawl, crawl_command, read_jsonl
from newsbot.replica import ReplicaServer, ReplicaSite, load_feed
from newsbot.replica.scale import scaled_article, text_pool
from newsbot.replica.site import newest_first
from newsbot.spiders.warc import WarcSpider, open_source, url_path
from newsbot.warc.reader import MemberSplitter, read_captures

BIN = Path(sys.executable).parent
RUN_DEPENDENT = {"fetched_at", "fetched_from", "archived_at"}
RUSSIA = [article for article in newest_first(load_feed()) if article.section == "russia"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, replica):
    """A live crawl of the replica with NEWSBOT_WARC: (its records, the WARC directory)."""
    folder = tmp_path_factory.mktemp("recorded")
    result = crawl("rt", folder / "live.jsonl", {"base_url": replica.base_url},
                   {"NEWSBOT_WARC": folder / "warc"})
    assert result.returncode == 0, result.log[-3000:]
    return result.items, folder / "warc"


def without_run_fields(records: list[dict]) -> dict[str, dict]:
    return {record["id"]: {k: v for k, v in record.items() if k not in RUN_DEPENDENT} for record in records}


def test_a_recorded_crawl_passes_warcio_check_and_indexes(recorded):
    records, folder = recorded
    files = sorted(folder.iterdir())
    assert files and all(file.name.endswith(".warc.gz") for file in files)  # no .part left
    check = subprocess.run([BIN / "warcio", "check", "-v", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]
    index = subprocess.run([BIN / "warcio", "index", "-f", "warc-type,warc-target-uri", *files],
                           capture_output=True, text=True, check=True)
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    assert entries[0]["warc-type"] == "warcinfo"
    for record in records:
        kinds = sorted(entry["warc-type"] for entry in entries if entry.get("warc-target-uri") == record["url"])
        assert kinds == ["request", "response"], record["url"]


def test_requests_point_at_their_responses_and_digests_are_stated(recorded):
    _, folder = recorded
    responses, concurrent = set(), set()
    with open(next(folder.iterdir()), "rb") as stream:
        for record in WarcioIterator(stream):
            headers = record.rec_headers
            if record.rec_type == "warcinfo":
                assert b"newsbot/" in record.content_stream().read()
            elif record.rec_type == "response":
                responses.add(headers.get_header("WARC-Record-ID"))
                assert headers.get_header("WARC-Payload-Digest", "").startswith("sha1:")
            elif record.rec_type == "request":
                concurrent.add(headers.get_header("WARC-Concurrent-To"))
    assert concurrent == responses


def test_the_warc_spider_gives_the_records_of_the_crawl(recorded, tmp_path):
    records, folder = recorded
    result = crawl("warc", tmp_path / "warc.jsonl", {"path": folder})
    assert result.returncode == 0, result.log[-3000:]
    assert without_run_fields(result.items) == without_run_fields(records)
    assert {record["fetched_from"] for record in result.items} == {"warc"}
    assert all(record["archived_at"] == record["fetched_at"] for record in result.items)
    assert {record["fetched_from"] for record in records} == {"live"}
    assert "'newsbot/warc/not_articles': 5" in result.log  # the section page, its "More" pages, the feed


def test_reextract_of_a_recorded_crawl_gives_its_records(recorded, tmp_path):
    records, folder = recorded
    run = subprocess.run([BIN / "newsbot", "reextract", folder, "--output-dir", tmp_path / "out"],
                         cwd=ROOT, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    again = [record for output in sorted((tmp_path / "out").glob("*.jsonl")) for record in read_jsonl(output)]
    assert without_run_fields(again) == without_run_fields(records)


def test_reextract_with_a_state_re_emits_only_changed_articles(tmp_path):
    """An edited page stored in a WARC file: reextract against the state of the first crawl emits
    it as version 2 and counts the others unchanged."""
    state = tmp_path / "state.db"
    changed = RUSSIA[3]
    edited = dataclasses.replace(changed, content_html=changed.content_html + "<p>UPDATE: The governor later "
                                 "withdrew the statement.</p>")
    with ReplicaServer(ReplicaSite(RUSSIA)) as server:
        first = crawl("rt", tmp_path / "first.jsonl", {"base_url": server.base_url}, {"NEWSBOT_STATE": state})
        assert first.returncode == 0 and len(first.items) == 32
        server.site = ReplicaSite([edited if article is changed else article for article in RUSSIA])
        later = crawl("rt", tmp_path / "later.jsonl", {"base_url": server.base_url},
                      {"NEWSBOT_WARC": tmp_path / "warc"})
        assert later.returncode == 0, later.log[-2000:]
    run = subprocess.run([BIN / "newsbot", "reextract", tmp_path / "warc", "--state", state,
                          "--output-dir", tmp_path / "out", "-s", "LOG_LEVEL=INFO"],
                         cwd=ROOT, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
    outputs = sorted((tmp_path / "out").glob("*.jsonl"))
    records = [record for output in outputs for record in read_jsonl(output)]
    assert [(record["id"], record["version"]) for record in records] == [(f"rt:{changed.id}", 2)], run.stderr[-3000:]
    assert "withdrew the statement" in records[0]["body"]
    assert "'newsbot/dropped/unchanged': 31" in run.stderr


@pytest.mark.skipif(shutil.which("wget") is None and not CRAWL_ENV.get("CI"), reason="wget is not installed")
def test_a_warc_file_written_by_wget_is_read(replica, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"{replica.base_url}/russia/{article.id}-{article.slug}/\n" for article in RUSSIA[:6]))
    subprocess.run(["wget", "-q", "--warc-file", str(tmp_path / "wget"), "-i", str(urls), "-P", str(tmp_path / "pages")],
                   check=True, timeout=120)
    result = crawl("warc", tmp_path / "out.jsonl", {"path": tmp_path / "wget.warc.gz", "site": "rt",
                                                      "section": "russia"})
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(record["id"] for record in result.items) == sorted(f"rt:{article.id}" for article in RUSSIA[:6])


# -- damaged and unusual files, built record by record --

def response_record(writer: WARCWriter, url: str, body: bytes, status: str = "200 OK", date: str | None = None,
                    extra: dict | None = None, headers: list | None = None):
    http = StatusAndHeaders(status, headers or [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                                     warc_headers_dict={**({"WARC-Date": date} if date else {}), **(extra or {})})


def members(records) -> list[bytes]:
    """Each record as its own gzip member (what every WARC.gz producer writes)."""
    out = []
    for record in records:
        buffer = io.BytesIO()
        WARCWriter(buffer, gzip=True).write_record(record)
        out.append(buffer.getvalue())
    return out


def build(*records) -> list[bytes]:
    return members(records)


WRITER = WARCWriter(io.BytesIO(), gzip=True)


def page(title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><p>{title}</p></body></html>".encode()


def read(data: bytes, wanted=lambda url: True, seekable: Path | None = None):
    counts = Counter()
    reopen = (lambda offset: _at(seekable, offset)) if seekable else None
    return list(read_captures(io.BytesIO(data), wanted, counts, reopen=reopen)), counts


def _at(path: Path, offset: int):
    stream = open(path, "rb")
    stream.seek(offset)
    return stream


def test_broken_and_truncated_members_cost_only_their_own_record():
    parts = build(*(response_record(WRITER, f"https://example.org/news/{n}", page(f"story {n}")) for n in range(6)))
    broken = bytearray(parts[2])
    broken[len(broken) // 2: len(broken) // 2 + 8] = b"\x00" * 8
    parts[2] = bytes(broken)
    data = b"".join(parts) + parts[5][: len(parts[5]) // 2]  # and the file ends inside a member
    captures, counts = read(data)
    assert [capture.url for capture in captures] == [f"https://example.org/news/{n}" for n in (0, 1, 3, 4, 5)]
    assert counts["broken_members"] == 2 and counts["records"] == 5


def test_truncated_records_statuses_and_wrong_lengths():
    truncated = response_record(WRITER, "https://example.org/news/cut", page("cut"), extra={"WARC-Truncated": "length"})
    moved = response_record(WRITER, "https://example.org/news/old", b"", status="301 Moved Permanently",
                            headers=[("Location", "https://example.org/news/new")])
    missing = response_record(WRITER, "https://example.org/news/gone", page("gone"), status="404 Not Found")
    good = response_record(WRITER, "https://example.org/news/new", page("new"))
    wrong_length = members([response_record(WRITER, "https://example.org/news/long", page("long"))])[0]
    inflated = gzip.decompress(wrong_length).replace(b"Content-Length: ", b"Content-Length: 9", 1)
    captures, counts = read(b"".join(build(truncated, moved, missing)) + gzip.compress(inflated) + b"".join(build(good)))
    assert [(capture.url, capture.status) for capture in captures] == [
        ("https://example.org/news/old", 301), ("https://example.org/news/gone", 404),
        ("https://example.org/news/new", 200)]
    assert counts["truncated_records"] == 1 and counts["length_mismatch"] == 1


def test_a_revisit_is_resolved_to_the_capture_it_repeats(tmp_path):
    original = response_record(WRITER, "https://example.org/news/a", page("a"), date="2024-01-01T00:00:00Z")
    digest = original.rec_headers.get_header("WARC-Payload-Digest")
    revisit = WRITER.create_warc_record(
        "https://example.org/news/a?amp", "revisit", payload=io.BytesIO(b""), length=0,
        warc_headers_dict={"WARC-Date": "2024-02-01T00:00:00Z", "WARC-Payload-Digest": digest,
                           "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
                           "WARC-Refers-To-Target-URI": "https://example.org/news/a"})
    path = tmp_path / "revisit.warc.gz"
    path.write_bytes(b"".join(build(original, revisit)))
    captures, counts = read(path.read_bytes(), seekable=path)
    assert [(capture.url, capture.revisit_of, capture.captured_at.month) for capture in captures] == [
        ("https://example.org/news/a", None, 1), ("https://example.org/news/a?amp", "https://example.org/news/a", 2)]
    assert captures[1].body == captures[0].body and counts["resolved_revisits"] == 1
    _, unresolved = read(path.read_bytes())  # a stream that cannot be read again
    assert unresolved["unresolved_revisits"] == 1


def test_records_of_unwanted_urls_are_not_parsed():
    data = b"".join(build(*(response_record(WRITER, f"https://example.org/{kind}/{n}", page(kind))
                            for n in range(3) for kind in ("news", "sport"))))
    captures, counts = read(data, wanted=lambda url: "/news/" in url)
    assert len(captures) == 3 and counts["records"] == 6 and counts["matched"] == 3


def test_an_unwanted_member_is_passed_over_from_its_header_alone():
    """Past its WARC header, an unwanted member is not inflated: damage there is not even seen
    (a wanted one with the same damage is counted broken), and the records after it are read."""
    noise = random.Random(5).randbytes(3000).hex()  # members longer than the piece a header is read from
    parts = build(*(response_record(WRITER, f"https://example.org/{kind}/{n}", page(f"{kind} {n} {noise}"))
                    for n in range(3) for kind in ("news", "sport")))
    damaged = [bytearray(part) for part in parts]
    for part in damaged[1], damaged[2]:  # sport/0 (unwanted) and news/1 (wanted), near their ends
        part[-30:-22] = b"\xff" * 8
    captures, counts = read(b"".join(map(bytes, damaged)), wanted=lambda url: "/news/" in url)
    assert [capture.url for capture in captures] == ["https://example.org/news/0", "https://example.org/news/2"]
    assert counts["broken_members"] == 1 and counts["records"] == 5
    ends = [capture.end for capture in captures]
    assert ends == [len(parts[0]), sum(map(len, parts[:5]))]  # where the next record starts


def test_a_read_started_at_a_record_boundary_gives_the_records_from_there():
    parts = build(*(response_record(WRITER, f"https://example.org/news/{n}", page(f"story {n}")) for n in range(4)))
    start = len(parts[0]) + len(parts[1])
    counts = Counter()
    captures = list(read_captures(io.BytesIO(b"".join(parts)[start:]), lambda url: True, counts, start=start))
    assert [(capture.url, capture.offset) for capture in captures] == [
        ("https://example.org/news/2", start), ("https://example.org/news/3", start + len(parts[2]))]
    assert counts["records"] == 2


def test_an_uncompressed_warc_file_is_read_from_a_stream():
    """FastWARC seeks even on a stream: a network stream only reads forward, which is enough."""
    records = [response_record(WRITER, f"https://example.org/{kind}/{n}", page(f"{kind} {n}"))
               for n in range(3) for kind in ("news", "sport")]
    plain = b"".join(gzip.decompress(member) for member in build(*records))
    captures, counts = read(plain, wanted=lambda url: "/news/" in url)
    assert [capture.url for capture in captures] == [f"https://example.org/news/{n}" for n in range(3)]
    assert counts["records"] == 6 and captures[1].body == page("news 1")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.from_regex(r"\Ahttps?://[a-z.:@\[\]0-9]*[/?#][ -~\t\n\x00-\x1f]*\Z")))
def test_the_quick_path_of_a_target_uri_is_urlsplits(url):
    try:
        expected = urlsplit(url).path
    except ValueError:  # a malformed host: the spider refuses the record (canonicalising raises)
        return
    assert url_path(url) == expected


def test_the_warc_spider_wants_its_sections_articles_and_refuses_a_malformed_host(tmp_path):
    from scrapy.utils.test import get_crawler

    source = tmp_path / "empty.warc.gz"
    source.write_bytes(b"")
    spider = WarcSpider.from_crawler(get_crawler(WarcSpider), path=str(source), site="rt", section="russia")
    assert spider.wanted_url("https://www.rt.com/russia/608821-putin-kursk-governor/")
    assert not spider.wanted_url("https://www.rt.com/news/608821-putin-kursk-governor/")  # another section
    assert not spider.wanted_url("https://www.rt.com/russia/")  # the section page
    assert not spider.wanted_url("http://[x/russia/608821-putin-kursk-governor/")  # canonicalising it raises


CORPUS = build(*(response_record(WRITER, f"https://example.org/news/{n}", page(f"story {n}" * (n + 1)))
                 for n in range(8)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, sum(map(len, CORPUS)) - 1), st.integers(1, 64), st.binary(min_size=1, max_size=64))
def test_any_damage_loses_only_the_members_it_touches(start, length, noise):
    """Property: overwrite any stretch of the file with anything; the reader never raises and
    returns every record whose member the damage did not touch."""
    data = bytearray(b"".join(CORPUS))
    end = min(len(data), start + length)
    data[start:end] = (noise * (length // len(noise) + 1))[: end - start]
    untouched, offset = [], 0
    for n, member in enumerate(CORPUS):
        if offset + len(member) <= start or offset >= end:
            untouched.append(f"https://example.org/news/{n}")
        offset += len(member)
    counts = Counter()
    found = [url for offset, record in MemberSplitter(io.BytesIO(bytes(data)), counts) if record
             for url in [record.split(b"WARC-Target-URI: ", 1)[1].split(b"\r\n", 1)[0].decode()]]
    assert set(untouched) <= set(found)
    # Passing over unwanted members from their headers (every odd one) loses no wanted one either.
    even = {f"https://example.org/news/{n}" for n in range(0, len(CORPUS), 2)}
    captures, _ = read(bytes(data), wanted=lambda url: url in even)
    assert set(untouched) & even <= {capture.url for capture in captures}


def test_a_warc_file_over_http_is_read_as_it_streams(recorded, tmp_path):
    """path= an http(s) URL: the file is read from the response as it arrives (never saved or
    loaded whole), with the same records as from disk."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    records, folder = recorded
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        name = next(folder.iterdir()).name
        result = crawl("warc", tmp_path / "http.jsonl", {"path": f"http://127.0.0.1:{server.server_address[1]}/{name}"})
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.log[-3000:]
    assert without_run_fields(result.items) == without_run_fields(records)


@pytest.mark.parametrize("ranges", [True, False])
def test_a_remote_file_is_opened_at_an_offset(tmp_path, ranges):
    """A resumed remote file: asked for from the offset with a Range request, or, from a server
    that ignores ranges, its first bytes passed over as they arrive."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    data = bytes(range(256)) * 40
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.headers.get("Range"))
            start = int(self.headers["Range"][len("bytes="):-1]) if ranges and self.headers.get("Range") else 0
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            self.wfile.write(data[start:])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with open_source(f"http://127.0.0.1:{server.server_address[1]}/file.warc.gz", 3000) as stream:
            assert stream.read() == data[3000:]
    finally:
        server.shutdown()
        server.server_close()
    assert asked == ["bytes=3000-"]


def test_a_rerun_with_the_state_parses_no_exported_page(recorded, tmp_path):
    """A rerun with the state reads no file again (each was settled to its end); a record read
    again all the same (here: the offsets deleted) is refused by the state before its page is parsed."""
    records, folder = recorded
    state = tmp_path / "state.db"
    first = crawl("warc", tmp_path / "first.jsonl", {"path": folder, "site": "rt"}, {"NEWSBOT_STATE": state})
    again = crawl("warc", tmp_path / "again.jsonl", {"path": folder, "site": "rt"}, {"NEWSBOT_STATE": state})
    assert len(first.items) == len(records) and again.returncode == 0 and again.items == []
    assert "'newsbot/warc/records'" not in stats_of(again.log)  # nothing read: every file resumed at its end
    Path(f"{state}.warc-offsets.json").unlink()
    anew = crawl("warc", tmp_path / "anew.jsonl", {"path": folder, "site": "rt"}, {"NEWSBOT_STATE": state})
    assert anew.returncode == 0 and "All 7 checks passed" in anew.log and anew.items == []
    stats = stats_of(anew.log)
    assert f"'newsbot/skipped/already_exported': {len(records)}" in stats
    assert "newsbot/provenance/" not in stats  # no page was extracted


def stats_of(log: str) -> str:
    return log.split("Dumping Scrapy stats")[-1]


@pytest.fixture(scope="module")
def section_file(tmp_path_factory) -> tuple[Path, list[int], list[str]]:
    """A WARC.gz of 240 articles of RT's section, each after another site's page: (the file, the
    offset of each record, the articles' ids)."""
    site, pool = ReplicaSite.scaled(1), text_pool()
    records, ids = [], []
    for index in range(240):
        article = scaled_article(index, pool)
        body = site._render_article(article, amp=False)
        records.append(response_record(WRITER, f"https://news.example.org/world/{index}-story/", body))
        records.append(response_record(WRITER, f"https://www.rt.com/russia/{article.id}-{article.slug}/", body,
                                       date="2024-12-06T10:00:00Z"))
        ids.append(f"rt:{article.id}")
    parts = members(records)
    path = tmp_path_factory.mktemp("section") / "section.warc.gz"
    path.write_bytes(b"".join(parts))
    offsets = [sum(map(len, parts[:n])) for n in range(len(parts))]
    return path, offsets, ids


def test_a_run_killed_mid_file_resumes_where_it_had_settled(section_file, tmp_path):
    """SIGKILL once a feed part is stored; the rerun reads from the offset the killed run had
    settled (no record before it), and the stored parts plus the rerun's output hold every
    article once."""
    path, offsets, ids = section_file
    state = tmp_path / "state.db"
    resume = Path(f"{state}.warc-offsets.json")
    args = {"path": path, "site": "rt", "section": "russia"}
    feed = {str(tmp_path / "killed-%(batch_id)03d.jsonl"): {"format": "jsonlines", "batch_max_bytes": 20_000}}
    killed = subprocess.Popen(crawl_command("warc", [], args, {"NEWSBOT_STATE": state, "FEEDS": json.dumps(feed)}),
                              cwd=ROOT, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not resume.exists() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    assert killed.wait() == -signal.SIGKILL, "the crawl ended before it could be killed mid-file"
    (settled,) = [entry["offset"] for entry in json.loads(resume.read_text()).values()]
    assert 0 < settled < path.stat().st_size and settled in offsets  # a record boundary inside the file

    again = crawl("warc", tmp_path / "again.jsonl", args, {"NEWSBOT_STATE": state})
    assert again.returncode == 0, again.log[-3000:]
    stats = stats_of(again.log)
    assert f"'newsbot/warc/resumed_at_bytes': {settled}" in stats
    assert f"'newsbot/warc/records': {sum(offset >= settled for offset in offsets)}," in stats
    stored = [record for part in sorted(tmp_path.glob("killed-*.jsonl")) for record in read_jsonl(part)]
    assert stored and again.items
    exported = [record["id"] for record in stored + again.items]
    assert sorted(exported) == sorted(ids)  # none lost, none twice
