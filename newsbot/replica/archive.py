"""The replica as a web archive: the Wayback Machine's CDX API and raw replay, and Common Crawl's
collection list, per-crawl CDX index and WARC files read with HTTP ranges, over the replica's own
article pages. What real archives hold is here too: several captures of one article, captures
outside the window, redirect captures, 404 captures, a revisit, a truncated record, a broken
gzip member and a record with a wrong Content-Length.

Paths (as on web.archive.org, index.commoncrawl.org and data.commoncrawl.org):
``/cdx/search/cdx?url=...&matchType=prefix&from=&to=&output=json[&limit=&showResumeKey=true&resumeKey=]``,
``/web/{timestamp}id_/{url}``, ``/collinfo.json``, ``/{crawl}-index?url=...&output=json[&page=&showNumPages=true]``,
``/crawl-data/{crawl}/...warc.gz`` (with ``Range``).
"""

from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .site import ReplicaSite, newest_first

CRAWL = "CC-MAIN-2024-49"
WARC_PATH = f"/crawl-data/{CRAWL}/segments/1733066000000.0/warc/{CRAWL}-20241206000000-00000.warc.gz"
PUBLIC = "https://www.rt.com"
REPLAY = re.compile(r"^/web/(?P<timestamp>\d{14})id_/(?P<url>.+)$")
CC_INDEX = re.compile(r"^/(?P<crawl>CC-MAIN-\d{4}-\d{2})-index$")
CC_PAGE_SIZE = 10  # index lines per page, small so that paging is exercised
CDX_FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
# Wayback dates: the same instant as in the replica's feed (December 2024).
FIRST = datetime(2024, 12, 6, 12, 0, tzinfo=timezone.utc)


@dataclass
class Capture:
    url: str
    timestamp: str  # 14 digits, UTC
    status: int  # REVISIT for a revisit record (CDX status "-")
    body: bytes = b""
    location: str | None = None
    damage: str | None = None  # in the Common Crawl file: "broken" gzip member, wrong "length", "truncated"
    offset: int = 0  # of its WARC record in the Common Crawl file
    length: int = 0
    digest: str = ""


REVISIT = 0


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def urlkey(url: str) -> str:
    """SURT-ordered key, as the CDX servers sort by."""
    parts = urlsplit(url)
    host = ",".join(reversed((parts.hostname or "").removeprefix("www.").split(".")))
    return f"{host}){parts.path}{'?' + parts.query if parts.query else ''}"


class ArchiveReplica:
    """An archive of ``site``'s section ``section``. ``expected`` holds the ids a backfill of
    2024 must return: every article with a usable capture, the damaged ones by their other capture."""

    def __init__(self, site: ReplicaSite, section: str = "russia", throttle_indexes: bool = False):
        """``throttle_indexes``: the first request for each index path is answered 429 with
        Retry-After, as the archives do under load."""
        self.site = site
        self.throttle_indexes = throttle_indexes
        self._throttled: set[str] = set()
        self.captures: list[Capture] = []
        self.expected: set[str] = set()
        for index, article in enumerate(newest_first(site.section_articles(section))):
            url = PUBLIC + article.path
            _, _, body = site.get(article.path)
            first = FIRST - timedelta(hours=index)
            kind = index % 8
            if kind == 2:  # only a 404 capture: nothing to export
                self._add(url, first, 404, b"<html><body>Not found</body></html>")
                continue
            self.expected.add(f"rt:{article.id}")
            if kind == 1:  # only a redirect in the window; its target was captured a year later
                self._add(url.replace("https://www.", "http://"), first, 301, location=url)
                self._add(url, first + timedelta(days=400), 200, body)
                continue
            self._add(url, first, 200, body)
            if kind == 3:  # and once before the window
                self._add(url, first - timedelta(days=800), 200, body)
            if kind in (0, 4, 5, 6):  # captured again later: the latest is preferred, unless it is damaged
                damage = {0: "broken", 4: "length", 5: "truncated"}.get(kind)
                self._add(url, first + timedelta(days=3), 200, body, damage=damage)
            if kind == 6:  # then a revisit (identical payload), listed by the Wayback Machine only
                self._add(url, first + timedelta(days=5), REVISIT, body)
        self._add(PUBLIC + "/russia/", FIRST, 200, b"<html><body>section</body></html>")  # not an article
        self.cc_file = self._warc_file()

    def _add(self, url: str, moment: datetime, status: int, body: bytes = b"", location: str | None = None,
             damage: str | None = None) -> None:
        self.captures.append(Capture(url, stamp(moment), status, body, location, damage))

    # -- Common Crawl's WARC file, one gzip member per record --
    def _warc_file(self) -> bytes:
        out = io.BytesIO()
        for capture in self.captures:
            if capture.status == REVISIT:
                continue
            member = io.BytesIO()
            writer = WARCWriter(member, gzip=True)
            headers = [("Content-Type", "text/html; charset=utf-8")] + (
                [("Location", capture.location)] if capture.location else [])
            warc_headers = {"WARC-Date": datetime.strptime(capture.timestamp, "%Y%m%d%H%M%S").strftime("%Y-%m-%dT%H:%M:%SZ"),
                            **({"WARC-Truncated": "length"} if capture.damage == "truncated" else {})}
            record = writer.create_warc_record(
                capture.url, "response", payload=io.BytesIO(capture.body), length=len(capture.body),
                http_headers=StatusAndHeaders(f"{capture.status} X", headers, protocol="HTTP/1.1"),
                warc_headers_dict=warc_headers)
            writer.write_record(record)
            capture.digest = record.rec_headers.get_header("WARC-Payload-Digest")
            data = member.getvalue()
            if capture.damage == "broken":
                data = data[:len(data) // 2] + b"\x00" * 16 + data[len(data) // 2 + 16:]
            elif capture.damage == "length":
                data = gzip.compress(gzip.decompress(data).replace(b"Content-Length: ", b"Content-Length: 1", 1))
            capture.offset, capture.length = out.tell(), len(data)
            out.write(data)
        return out.getvalue()

    # -- HTTP --
    def respond(self, path_with_query: str, headers) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(path_with_query)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n", {}
        if self.throttle_indexes and (parts.path == "/cdx/search/cdx" or CC_INDEX.match(parts.path)) \
                and parts.path not in self._throttled:
            self._throttled.add(parts.path)
            return 429, "text/plain", b"slow down", {"Retry-After": "1"}
        if parts.path == "/cdx/search/cdx":
            return self._wayback_cdx(query)
        if match := REPLAY.match(path_with_query):
            return self._replay(match["timestamp"], match["url"])
        if parts.path == "/collinfo.json":
            body = json.dumps([{"id": CRAWL, "name": "December 2024 Index", "cdx-api": f"/{CRAWL}-index"},
                               {"id": "CC-MAIN-2019-04", "name": "January 2019 Index",
                                "cdx-api": "/CC-MAIN-2019-04-index"}])
            return 200, "application/json", body.encode(), {}
        if match := CC_INDEX.match(parts.path):
            return self._cc_index(match["crawl"], query)
        if parts.path == WARC_PATH:
            return self._ranged(headers.get("Range"))
        return 404, "text/plain", b"not in the archive", {}

    def _matching(self, query: dict[str, str]) -> list[Capture]:
        url = query.get("url", "")
        prefix = url if url.startswith("http") else "https://" + url
        keys = (urlkey(prefix),)
        window_from, window_to = query.get("from", "0"), query.get("to", "9")
        exact = query.get("matchType", "exact") == "exact"
        found = [c for c in self.captures
                 if (urlkey(c.url) in keys if exact else urlkey(c.url).startswith(keys[0]))
                 and window_from <= c.timestamp[:len(window_from)] and c.timestamp[:len(window_to)] <= window_to]
        return sorted(found, key=lambda c: (urlkey(c.url), c.timestamp))

    def _wayback_cdx(self, query: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        found = self._matching(query)
        start = int(query.get("resumeKey", "0") or 0)
        limit = int(query.get("limit", "0") or 0) or len(found)
        page = found[start:start + limit]
        rows = [CDX_FIELDS] + [[urlkey(c.url), c.timestamp, c.url, "warc/revisit" if c.status == REVISIT else "text/html",
                                str(c.status or "-"), c.digest, str(len(c.body))] for c in page]
        if query.get("showResumeKey") == "true" and start + limit < len(found):
            rows += [[], [str(start + limit)]]
        return 200, "application/json", json.dumps(rows).encode(), {}

    def _replay(self, timestamp: str, url: str) -> tuple[int, str, bytes, dict[str, str]]:
        """Raw replay: the capture of ``url`` nearest ``timestamp``; a redirect to its exact
        timestamp when that differs, as the Wayback Machine does."""
        captures = [c for c in self.captures if c.url == url]
        if not captures:
            return 404, "text/html", b"<html><body>Wayback Machine has not archived that URL.</body></html>", {}
        nearest = min(captures, key=lambda c: abs(int(c.timestamp) - int(timestamp)))
        if nearest.timestamp != timestamp:
            return 302, "text/plain", b"", {"Location": f"/web/{nearest.timestamp}id_/{url}"}
        extra = {"Location": nearest.location} if nearest.location else {}
        return nearest.status or 200, "text/html; charset=utf-8", nearest.body, extra  # a revisit replays its payload

    def _cc_index(self, crawl: str, query: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        if crawl != CRAWL:
            return 200, "text/x-ndjson", b"", {}
        found = [c for c in self._matching(query) if c.status != REVISIT]
        pages = max(1, -(-len(found) // CC_PAGE_SIZE))
        if query.get("showNumPages") == "true":
            return 200, "application/json", json.dumps({"pages": pages, "pageSize": CC_PAGE_SIZE}).encode(), {}
        page = int(query.get("page", "0"))
        lines = [json.dumps({"urlkey": urlkey(c.url), "timestamp": c.timestamp, "url": c.url, "mime": "text/html",
                             "status": str(c.status), "digest": c.digest, "length": str(c.length),
                             "offset": str(c.offset), "filename": WARC_PATH.lstrip("/")})
                 for c in found[page * CC_PAGE_SIZE:(page + 1) * CC_PAGE_SIZE]]
        return 200, "text/x-ndjson", "\n".join(lines).encode(), {}

    def _ranged(self, range_header: str | None) -> tuple[int, str, bytes, dict[str, str]]:
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", range_header or "")
        if not match:
            return 200, "application/warc", self.cc_file, {}
        first, last = int(match[1]), min(int(match[2]), len(self.cc_file) - 1)
        return 206, "application/warc", self.cc_file[first:last + 1], {
            "Content-Range": f"bytes {first}-{last}/{len(self.cc_file)}"}
