"""`scrapy crawl archive -a site=rt -a section=russia -a from=2022-01-01 -a to=2022-12-31
-a archive=wayback|commoncrawl [-a archive_url=ORIGIN] [-a data_url=ORIGIN]`: a section's past,
from web archives.

The archive's CDX index lists the captures of the section's URL prefix in the window; the site
module's article pattern keeps the articles; one capture per article is chosen (the latest
usable one: status 200 or a revisit, else a redirect, which is followed to its target's capture;
a damaged one falls back to the next). Its original bytes are fetched (the Wayback Machine's raw
replay ``/web/{timestamp}id_/{url}``; or the one WARC record, by HTTP Range, from Common Crawl's
data host) through Scrapy's downloader, so the archive hosts get the same politeness, back-off
and ``Retry-After`` handling as a site. The page then goes through the site module, pipelines,
state and feeds of a live crawl; records say ``fetched_from`` and ``archived_at``.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy

from newsbot.spiders.arguments import SpiderArgumentError, site_argument
from newsbot.spiders.base import ARTICLE_PRIORITY, LISTING_PRIORITY, SiteSectionSpider
from newsbot.warc.reader import read_captures
from newsbot.warc.replay import CAPTURE_META, capture_request, stamped

ARCHIVES = {"wayback": "https://web.archive.org", "commoncrawl": "https://index.commoncrawl.org"}
COMMON_CRAWL_DATA = "https://data.commoncrawl.org"
CDX_PAGE_ROWS = 5000
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
REPLAY = re.compile(r"/web/(?P<timestamp>\d{14})id_/(?P<url>.+)$")
CRAWL_ID = re.compile(r"CC-MAIN-(?P<year>\d{4})-(?P<week>\d{2})$")
CRAWL_SPAN = timedelta(days=45)  # a crawl's captures are from the weeks before its id's week


@dataclass
class Listed:
    """One capture as the index lists it."""

    url: str
    timestamp: str  # 14 digits, UTC
    status: str  # "200", "301", ..., "-" for a revisit
    filename: str = ""  # Common Crawl: where the record is
    offset: int = 0
    length: int = 0
    index_api: str = ""  # Common Crawl: the crawl's index, to look a redirect's target up

    @property
    def usable(self) -> bool:
        return self.status in ("200", "-")

    @property
    def redirect(self) -> bool:
        return self.status.isdigit() and int(self.status) in REDIRECTS

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def preference(capture: Listed) -> tuple:
    """Usable (200, revisit) before redirects, then the latest first (sorted in reverse)."""
    return capture.usable, capture.timestamp


def window_day(value: str | None, name: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SpiderArgumentError(f"{name}={value!r} is not a date (expected YYYY-MM-DD)") from None


class ArchiveSpider(SiteSectionSpider):
    name = "archive"

    def __init__(self, site: str = "rt", archive: str = "wayback", archive_url: str | None = None,
                 data_url: str | None = None, **kwargs):
        if archive not in ARCHIVES:
            raise SpiderArgumentError(f"archive={archive!r}: one of {', '.join(ARCHIVES)}")
        first = window_day(kwargs.pop("from", None), "from", date(1996, 1, 1))
        last = window_day(kwargs.pop("to", None), "to", datetime.now(timezone.utc).date())
        if first > last:
            raise SpiderArgumentError(f"from={first} is after to={last}")
        self.site = site_argument(site)
        super().__init__(**kwargs)
        self.archive = archive
        self.archive_url = (archive_url or ARCHIVES[archive]).rstrip("/")
        self.data_url = (data_url or (self.archive_url if archive_url else COMMON_CRAWL_DATA)).rstrip("/")
        self.window = (first, last)
        self.allowed_domains = sorted({urlsplit(self.archive_url).hostname, urlsplit(self.data_url).hostname})
        self.candidates: dict[str, list[Listed]] = {}  # article id -> its captures in the window
        self.canonical: dict[str, str] = {}  # article id -> canonical URL
        self.index_pages_pending = 0

    default_section = "russia"

    @property
    def prefix(self) -> str:
        """The section's URL prefix, as CDX indexes take it (no scheme)."""
        return f"{self.site.host}{self.site.section_path.format(section=self.section)}"

    def cdx_window(self) -> dict[str, str]:
        first, last = self.window
        return {"from": first.strftime("%Y%m%d"), "to": last.strftime("%Y%m%d") + "235959"}

    async def start(self):
        self.logger.info("Backfilling section %r of %s from %s, %s to %s (%s)", self.section, self.site.name,
                         self.archive, *self.window, self.archive_url)
        if self.archive == "wayback":
            yield self.wayback_cdx_request(None)
        else:
            yield scrapy.Request(f"{self.archive_url}/collinfo.json", callback=self.parse_collections,
                                 errback=self.on_error, priority=LISTING_PRIORITY)

    # -- listing captures --
    def listed(self, capture: Listed) -> None:
        canonical = self.article_canonical(capture.url)
        stats = self.crawler.stats
        stats.inc_value("newsbot/archive/captures_listed")
        if canonical is None:
            stats.inc_value("newsbot/archive/not_articles")
            return
        if not (capture.usable or capture.redirect):
            stats.inc_value(f"newsbot/archive/unusable_status/{capture.status}")
            return
        article_id = self.site.article_id(canonical)
        self.canonical.setdefault(article_id, canonical)
        self.candidates.setdefault(article_id, []).append(capture)

    def chosen_requests(self):
        """One request per article (its best capture), once every index page is read."""
        stats = self.crawler.stats
        self.logger.info("Archive: %d captures listed, %d articles", stats.get_value("newsbot/archive/captures_listed", 0),
                         len(self.candidates))
        for article_id, captures in self.candidates.items():
            stats.inc_value("newsbot/discovery/articles_from_archive")
            canonical = self.canonical[article_id]
            ordered = sorted(captures, key=preference, reverse=True)
            yield self.fetch_request(ordered, canonical, hops=0)
        self.candidates.clear()

    def fetch_request(self, captures: list[Listed], canonical: str, hops: int) -> scrapy.Request:
        """The request for an article's best capture. ``meta["canonical_url"]`` lets the state's
        SkipExportedMiddleware refuse it when the article was exported before (by any source).
        Every request of an article (fallbacks, redirect look-ups, the capture) shares that
        fingerprint and is made once by construction: none goes through the duplicate filter."""
        capture, rest = captures[0], captures[1:]
        meta = {"canonical_url": canonical, "fallbacks": rest, "hops": hops, "listed": capture}
        if self.archive == "wayback":
            return scrapy.Request(f"{self.archive_url}/web/{capture.timestamp}id_/{capture.url}",
                                  callback=self.parse_replay, errback=self.capture_failed, priority=ARTICLE_PRIORITY,
                                  meta={**meta, "dont_redirect": True, "handle_httpstatus_list": list(REDIRECTS)},
                                  dont_filter=True)
        end = capture.offset + capture.length - 1
        return scrapy.Request(f"{self.data_url}/{capture.filename}", headers={"Range": f"bytes={capture.offset}-{end}"},
                              callback=self.parse_record, errback=self.capture_failed, priority=ARTICLE_PRIORITY,
                              meta=meta, dont_filter=True)

    def next_capture(self, request, reason: str):
        """The article's next capture after ``reason`` made this one unusable (None when none is left)."""
        self.crawler.stats.inc_value(f"newsbot/archive/capture_failed/{reason}")
        fallbacks = request.meta["fallbacks"]
        if not fallbacks:
            self.report_error("archive_no_usable_capture", request.meta["canonical_url"], reason)
            return None
        return self.fetch_request(fallbacks, request.meta["canonical_url"], request.meta["hops"])

    def capture_failed(self, failure):
        self.on_error(failure)
        if request := self.next_capture(failure.request, "fetch_error"):
            yield request

    # -- the Wayback Machine --
    def wayback_cdx_request(self, resume_key: str | None) -> scrapy.Request:
        query = {"url": self.prefix, "matchType": "prefix", "output": "json", **self.cdx_window(),
                 "fl": "original,timestamp,statuscode", "limit": CDX_PAGE_ROWS, "showResumeKey": "true",
                 **({"resumeKey": resume_key} if resume_key else {})}
        return scrapy.Request(f"{self.archive_url}/cdx/search/cdx?{urlencode(query)}", callback=self.parse_wayback_cdx,
                              errback=self.on_error, priority=LISTING_PRIORITY)

    def parse_wayback_cdx(self, response):
        """``[[field, ...], [value, ...], ..., [], [resume key]]`` (the last two only when more follow)."""
        try:
            rows = json.loads(response.text or "[]")
        except ValueError as error:
            self.report_error("bad_cdx", response.url, str(error))
            return
        self.crawler.stats.inc_value("newsbot/listing/pages")
        fields, resume_key = (rows[0] if rows else []), None
        for position, row in enumerate(rows[1:], start=1):
            if not row:
                resume_key = rows[position + 1][0] if position + 1 < len(rows) and rows[position + 1] else None
                break
            entry = dict(zip(fields, row))
            self.listed(Listed(entry.get("original", ""), entry.get("timestamp", ""), entry.get("statuscode", "")))
        if resume_key:
            yield self.wayback_cdx_request(resume_key)
        else:
            yield from self.chosen_requests()

    def parse_replay(self, response):
        hops = response.meta["hops"]
        if response.status in REDIRECTS:
            if hops >= MAX_REDIRECTS:
                if request := self.next_capture(response.request, "redirect_loop"):
                    yield request
                return
            yield self.replay_redirect(response, hops)
            return
        found = REPLAY.search(urlsplit(response.url).path + (f"?{urlsplit(response.url).query}"
                                                              if urlsplit(response.url).query else ""))
        if response.status != 200 or not found:
            if request := self.next_capture(response.request, f"http_{response.status}"):
                yield request
            return
        captured_at = datetime.strptime(found["timestamp"], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        yield from stamped(self.parse_article(response.replace(url=found["url"])), "wayback", captured_at)

    def replay_redirect(self, response, hops: int) -> scrapy.Request:
        """Follow a redirect: within the archive as it is; to the site (a redirect capture's own
        Location) through the archive, at the same time."""
        location = response.urljoin(response.headers.get("Location", b"").decode("latin-1"))
        if not REPLAY.search(urlsplit(location).path):
            timestamp = REPLAY.search(urlsplit(response.url).path)["timestamp"]
            location = f"{self.archive_url}/web/{timestamp}id_/{location}"
        return response.request.replace(url=location, meta={**response.meta, "hops": hops + 1}, dont_filter=True)

    # -- Common Crawl --
    def parse_collections(self, response):
        first, last = self.window
        for collection in json.loads(response.text):
            found = CRAWL_ID.match(collection.get("id", ""))
            if not found:
                continue
            crawled = date.fromisocalendar(int(found["year"]), int(found["week"]), 1)
            if first <= crawled and crawled - CRAWL_SPAN <= last:
                api = urljoin(f"{self.archive_url}/", collection["cdx-api"])
                query = {"url": self.prefix, "matchType": "prefix", "output": "json", **self.cdx_window()}
                self.index_pages_pending += 1
                yield scrapy.Request(f"{api}?{urlencode({**query, 'showNumPages': 'true'})}",
                                     callback=self.parse_index_size, errback=self.index_failed,
                                     cb_kwargs={"api": api, "query": query}, priority=LISTING_PRIORITY)
        if not self.index_pages_pending:
            self.logger.warning("No Common Crawl crawl between %s and %s", first, last)

    def parse_index_size(self, response, api: str, query: dict):
        pages = int(json.loads(response.text).get("pages", 0))
        self.index_pages_pending += pages
        for page in range(pages):
            yield scrapy.Request(f"{api}?{urlencode({**query, 'page': page})}", callback=self.parse_index_page,
                                 errback=self.index_failed, cb_kwargs={"api": api}, priority=LISTING_PRIORITY)
        yield from self.index_page_done()

    def parse_index_page(self, response, api: str):
        self.crawler.stats.inc_value("newsbot/listing/pages")
        for capture in self.index_entries(response.text, api):
            self.listed(capture)
        yield from self.index_page_done()

    def index_entries(self, text: str, api: str):
        """The captures of a Common Crawl index answer (one JSON object a line); bad lines counted."""
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                yield Listed(entry["url"], entry["timestamp"], entry["status"], entry["filename"],
                             int(entry["offset"]), int(entry["length"]), api)
            except (ValueError, KeyError, TypeError):
                self.crawler.stats.inc_value("newsbot/archive/bad_index_lines")

    def index_failed(self, failure):
        self.on_error(failure)
        yield from self.index_page_done()

    def index_page_done(self):
        self.index_pages_pending -= 1
        if self.index_pages_pending == 0:
            yield from self.chosen_requests()

    def parse_record(self, response):
        """The one WARC record a Range request read: its capture, through the downloader
        middlewares like a fetched page (decompression, charset, bot walls)."""
        counts = Counter()
        captures = list(read_captures(io.BytesIO(response.body), lambda url: True, counts))
        for name, count in counts.items():
            if name not in ("records", "matched"):
                self.crawler.stats.inc_value(f"newsbot/archive/{name}", count)
        if not captures:
            reason = next((name for name in counts if name not in ("records", "matched")), "empty_record")
            if request := self.next_capture(response.request, reason):
                yield request
            return
        capture = captures[0]
        if capture.status in REDIRECTS:
            yield from self.redirect_lookup(response, capture)
        elif capture.status != 200:
            if request := self.next_capture(response.request, f"http_{capture.status}"):
                yield request
        else:
            yield capture_request(capture, self.parse_archived, self.on_error, priority=ARTICLE_PRIORITY,
                                  dont_filter=True, canonical_url=response.meta["canonical_url"])

    def redirect_lookup(self, response, capture):
        """A redirect record: its target's captures, looked up in the same crawl's index."""
        hops = response.meta["hops"]
        location = dict((name.lower(), value) for name, value in capture.headers).get("location")
        if not location or hops >= MAX_REDIRECTS:
            if request := self.next_capture(response.request, "redirect_loop" if location else "redirect_without_target"):
                yield request
            return
        listed: Listed = response.meta["listed"]
        query = {"url": urljoin(capture.url, location), "output": "json"}
        yield scrapy.Request(f"{listed.index_api}?{urlencode(query)}", callback=self.parse_redirect_target,
                             errback=self.capture_failed, priority=ARTICLE_PRIORITY,
                             meta={**response.meta, "hops": hops + 1}, dont_filter=True)

    def parse_redirect_target(self, response):
        targets = sorted((capture for capture in self.index_entries(response.text, response.meta["listed"].index_api)
                          if capture.usable or capture.redirect), key=preference, reverse=True)
        if not targets:
            if request := self.next_capture(response.request, "redirect_target_not_archived"):
                yield request
            return
        yield self.fetch_request(targets + response.meta["fallbacks"], response.meta["canonical_url"],
                                 response.meta["hops"])

    def parse_archived(self, response):
        yield from stamped(self.parse_article(response), "commoncrawl", response.meta[CAPTURE_META].captured_at)
