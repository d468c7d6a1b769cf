"""`scrapy crawl warc -a path=FILE_OR_GLOB_OR_DIR_OR_URL [-a site=rt -a section=russia]`: articles
out of WARC files (CC-NEWS, Heritrix, wget --warc-file, Browsertrix, NEWSBOT_WARC), no network.

Each wanted capture becomes a request that ``ArchivedResponseMiddleware`` answers from the file,
so an archived page goes through every downloader middleware (decompression, charset repair,
bot-wall check, the state) and the same callbacks, pipelines and feeds as a live one.

With a state, a rerun starts each file where the last run had settled it (newsbot.warc.resume).
"""

from __future__ import annotations

import glob
import logging
import re
import time
import urllib.request
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals

from newsbot.extensions.feeds import feed_file_stored
from newsbot.extract import Page
from newsbot.sites import canonical_url, site_for_page, site_for_url
from newsbot.sites.base import Site
from newsbot.sites.generic import SITE as GENERIC
from newsbot.spiders.arguments import SpiderArgumentError, site_argument
from newsbot.spiders.base import ARTICLE_PRIORITY, SiteSectionSpider
from newsbot.warc.reader import Capture, read_captures
from newsbot.warc.replay import CAPTURE_META, capture_request, stamped
from newsbot.warc.resume import ReadOffsets, identity, offsets_path

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 60.0  # seconds between progress lines, as Scrapy's LogStats
SOURCE_META = "newsbot_warc_source"
NOT_PAGES = (".txt", ".xml", ".rss", ".json", ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp",
             ".ico", ".woff", ".woff2", ".pdf", ".mp4")


# An http(s) URL without whitespace: its path is the first group (exactly urlsplit's, 8x faster).
PLAIN_URL = re.compile(r"https?://[^/?#\s]*([^?#\s]*)(?:[?#]\S*)?\Z")


def url_path(url: str) -> str:
    """``urlsplit(url).path``, quicker for the plain URLs of nearly every record."""
    plain = PLAIN_URL.match(url)
    return plain.group(1) if plain else urlsplit(url).path


def warc_sources(path: str) -> list[str]:
    """The files (or one http(s) URL) that ``path`` names: a file, a directory (its *.warc and
    *.warc.gz), or a glob."""
    if urlsplit(path).scheme in ("http", "https"):
        return [path]
    target = Path(path)
    if target.is_dir():
        found = sorted(str(file) for pattern in ("*.warc", "*.warc.gz") for file in target.glob(pattern))
    else:
        found = sorted(glob.glob(path)) if glob.has_magic(path) else ([path] if target.is_file() else [])
    if not found:
        raise SpiderArgumentError(f"path={path!r}: no WARC file there (a file, a directory of *.warc[.gz], a glob or "
                         f"an http(s) URL)")
    return found


def open_source(source: str, offset: int = 0):
    """A binary stream of ``source`` from ``offset`` on, read as it arrives (a remote file is
    never loaded whole; from an offset, it is asked for with a Range request)."""
    if urlsplit(source).scheme in ("http", "https"):
        request = urllib.request.Request(source, headers={"Range": f"bytes={offset}-"} if offset else {})
        stream = urllib.request.urlopen(request, timeout=60)
        if offset and stream.status != 206:  # the server ignores ranges: the first bytes are passed over
            remaining = offset
            while remaining and (skipped := len(stream.read(min(remaining, 1 << 20)))):
                remaining -= skipped
        return stream
    stream = open(source, "rb")
    stream.seek(offset)
    return stream


class WarcSpider(SiteSectionSpider):
    name = "warc"
    site = GENERIC
    custom_settings = {
        "ROBOTSTXT_OBEY": False,  # nothing is fetched
        "NEWSBOT_WARC": None,  # what is read is not recorded again
    }

    def __init__(self, path: str | None = None, site: str | None = None, base_url: str | None = None, **kwargs):
        if not path:
            raise SpiderArgumentError("the warc spider needs -a path=FILE_OR_DIR_OR_GLOB_OR_URL")
        self.module: Site | None = site_argument(site) if site else None
        self.site = self.module or GENERIC
        # Nothing is fetched from base_url: it only names the site's origin (none without a site).
        super().__init__(base_url=base_url or f"https://{self.site.host or 'warc.invalid'}", **kwargs)
        self.sources = warc_sources(path)
        self.allowed_domains = None  # archived pages of any host; none is fetched
        self.counts = Counter()
        self.offsets: ReadOffsets | None = None
        self.identities: dict[str, str | None] = {}
        # Settling: (source, offset) of each capture handed out -> its request (1, until answered)
        # plus its items still in the pipelines; each item's capture; where each file is read to.
        self.unsettled: dict[tuple[str, int], int] = {}
        self.item_captures: dict[int, tuple[str, int]] = {}
        self.read_to: dict[str, int] = {}
        self.items_not_stored = 0  # scraped since the last feed file was stored

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if path := offsets_path(crawler.settings):
            spider.offsets = ReadOffsets(path)
        crawler.signals.connect(spider.feed_file_stored, signal=feed_file_stored)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider.item_settled, signal=signal)
        crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
        return spider

    default_section = ""

    async def start(self):
        self.logger.info("Reading %d WARC file(s)%s%s", len(self.sources),
                         f" for site {self.module.name!r}" if self.module else "",
                         f", section {self.section!r}" if self.section else "")
        progress = time.monotonic()
        for source in self.sources:
            start = self.resume_offset(source)
            with closing(open_source(source, start)) as stream:
                reopen = None if urlsplit(source).scheme else lambda offset, source=source: open_source(source, offset)
                self.read_to[source] = start
                for capture in read_captures(stream, self.wanted_url, self.counts, reopen=reopen, start=start):
                    self.unsettled[(source, capture.offset)] = 1
                    self.read_to[source] = capture.end
                    yield self.capture_request(capture, source)
                    if time.monotonic() - progress >= PROGRESS_EVERY:
                        progress = time.monotonic()
                        self.log_progress()
                        self.save_offsets()
                if stream.seekable():  # read to its end (a stream's end is not known: its last capture's is kept)
                    self.read_to[source] = stream.tell()
            self.logger.info("WARC file done: %s", source)
        self.log_progress()

    def resume_offset(self, source: str) -> int:
        """Where the last run with this state left ``source`` settled (0: from the start)."""
        if self.offsets is None:
            return 0
        self.identities[source] = identity(source)
        start = self.offsets.start(self.offsets_key(source), self.identities[source])
        if start:
            self.logger.info("Resuming %s at byte %d: every record before it was settled by an earlier run",
                             source, start)
            self.crawler.stats.inc_value("newsbot/skipped/resumed_warc_files")  # expected: not an empty section
            self.crawler.stats.inc_value("newsbot/warc/resumed_at_bytes", start)
        return start

    def offsets_key(self, source: str) -> str:
        """Offsets hold for one filter: another site or section reads the file again."""
        return f"{source} site={self.module.name if self.module else ''} section={self.section or ''}"

    # -- settling: what a rerun need not read again --
    def settle(self, capture: tuple[str, int]) -> None:
        self.unsettled[capture] -= 1
        if not self.unsettled[capture]:
            del self.unsettled[capture]

    def item_settled(self, item) -> None:
        """Scraped (written to the feed: the feed exporter's handler runs in the same signal),
        dropped or failed."""
        if capture := self.item_captures.pop(id(item), None):
            self.settle(capture)

    def item_scraped(self) -> None:
        self.items_not_stored += 1

    def feed_file_stored(self, **_) -> None:
        self.items_not_stored = 0
        self.save_offsets()

    def closed(self, reason: str) -> None:
        self.save_offsets()

    def save_offsets(self) -> None:
        """When every item scraped so far is in a stored feed file (which the state counts as
        exported even if the run dies later), each file is settled up to its first unsettled
        capture, or as far as it was read."""
        if self.offsets is None or self.items_not_stored:
            return
        settled = dict(self.read_to)
        for source, offset in self.unsettled:
            settled[source] = min(settled[source], offset)
        self.offsets.settle({self.offsets_key(source): (self.identities.get(source), offset)
                             for source, offset in settled.items()})

    def log_progress(self) -> None:
        stats = self.crawler.stats
        for name, count in self.counts.items():
            stats.set_value(f"newsbot/warc/{name}", count)
        elapsed = max(1e-6, (time.time() - stats.get_value("start_time").timestamp()))
        self.logger.info("WARC: %d records scanned (%.0f/s), %d matched, %d articles exported",
                         self.counts["records"], self.counts["records"] / elapsed,
                         self.counts["matched"], stats.get_value("item_scraped_count", 0))

    def wanted_url(self, url: str) -> bool:
        """Which captures to read, from the record's header alone: the module's article pattern
        (and section) when a site is given; else anything that may be a page. Not a URL with a
        malformed host ("http://[x/...")."""
        try:
            if not self.module:
                return not url_path(url).lower().endswith(NOT_PAGES)
            # The raw path, split off quickly (most records are other sites' pages).
            if not (match := self.site.article_path_match(url_path(url))):
                return False
            section = match.groupdict().get("section")
            if self.section and section and "%" not in section and section != self.section:
                return False  # another section: canonical spelling changes only escapes and slashes
            return bool(self.article_canonical(url))  # raises ValueError on a malformed host
        except ValueError:
            return False

    def article_canonical(self, url: str) -> str | None:
        """As for a live crawl, but on any host: archives hold the site under its own host,
        a mirror, or the origin it was crawled at."""
        canonical = self.site.canonical(url)
        match = self.site.article_match(canonical)
        if not match or (self.section and match.groupdict().get("section", self.section) != self.section):
            return None
        return canonical

    def capture_request(self, capture: Capture, source: str) -> scrapy.Request:
        """With ``canonical_url``: the state's SkipExportedMiddleware refuses an article exported
        before (a rerun after a crash re-reads the file but parses no exported page), and the
        duplicate filter keeps the first capture of each article."""
        self.crawler.stats.inc_value("newsbot/discovery/articles_from_warc")
        canonical = self.article_canonical(capture.url) if self.module else canonical_url(capture.url)
        return capture_request(capture, self.parse_capture, self.on_error, priority=ARTICLE_PRIORITY,
                               canonical_url=canonical, **{SOURCE_META: source})

    def parse_capture(self, response):
        capture = response.meta[CAPTURE_META]
        key = (response.meta[SOURCE_META], capture.offset)
        try:
            for article in stamped(self.parse_article(response), "warc", capture.captured_at):
                self.unsettled[key] += 1
                self.item_captures[id(article)] = key
                yield article
        except Exception:
            self.settle(key)
            raise
        self.settle(key)  # not when the crawl ends inside the callback (GeneratorExit): unsettled then

    def on_error(self, failure):
        super().on_error(failure)
        self.request_settled(failure.request)

    def request_dropped(self, request) -> None:
        super().request_dropped(request)
        self.request_settled(request)

    def request_settled(self, request) -> None:
        """Answered with an error, refused (exported before) or a repeat: nothing of it to export."""
        if (capture := request.meta.get(CAPTURE_META)) and (source := request.meta.get(SOURCE_META)):
            self.settle((source, capture.offset))

    def article_site(self, page: Page) -> Site:
        if self.module:
            return self.module
        site = site_for_page(page.url, page.selector)
        self.crawler.stats.inc_value(f"newsbot/site_module/{site.name}")
        return site

    def parse_article(self, response):
        if not self.module and not self.is_article_page(response):
            self.crawler.stats.inc_value("newsbot/warc/not_articles")
            return
        yield from super().parse_article(response)

    def is_article_page(self, response) -> bool:
        """Without a site: an article of a module's URL pattern, or a page of a host no module
        owns that declares itself an article (og:type or JSON-LD)."""
        if not hasattr(response, "selector"):
            return True  # not HTML: parse_article counts it
        site = site_for_url(response.url) or site_for_page(response.url, response.selector)
        if site.host:
            return bool(site.article_match(response.url))
        page = Page(response.url, selector=response.selector)
        declared_type = (page.meta.get("og:type") or "").lower()
        return declared_type == "article" or bool(page.article_data)

