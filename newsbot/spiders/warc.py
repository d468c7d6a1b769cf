"""`scrapy crawl warc -a path=FILE_OR_GLOB_OR_DIR_OR_URL [-a site=rt -a section=russia]`: articles
out of WARC files (CC-NEWS, Heritrix, wget --warc-file, Browsertrix, NEWSBOT_WARC), no network.

Each wanted capture becomes a request that ``ArchivedResponseMiddleware`` answers from the file,
so an archived page goes through every downloader middleware (decompression, charset repair,
bot-wall check, the state) and the same callbacks, pipelines and feeds as a live one.
"""

from __future__ import annotations

import glob
import logging
import time
import urllib.request
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

from newsbot.extract import Page
from newsbot.sites import canonical_url, site_for_page, site_for_url
from newsbot.sites.base import Site
from newsbot.sites.generic import SITE as GENERIC
from newsbot.spiders.arguments import SpiderArgumentError, site_argument
from newsbot.spiders.base import ARTICLE_PRIORITY, SiteSectionSpider
from newsbot.warc.reader import Capture, read_captures
from newsbot.warc.replay import CAPTURE_META, capture_request, stamped

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 60.0  # seconds between progress lines, as Scrapy's LogStats
NOT_PAGES = (".txt", ".xml", ".rss", ".json", ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp",
             ".ico", ".woff", ".woff2", ".pdf", ".mp4")


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


def open_source(source: str):
    """A binary stream of ``source``, read as it arrives (a remote file is never loaded whole)."""
    if urlsplit(source).scheme in ("http", "https"):
        return urllib.request.urlopen(source, timeout=60)
    return open(source, "rb")


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

    default_section = ""

    async def start(self):
        self.logger.info("Reading %d WARC file(s)%s%s", len(self.sources),
                         f" for site {self.module.name!r}" if self.module else "",
                         f", section {self.section!r}" if self.section else "")
        progress = time.monotonic()
        for source in self.sources:
            with closing(open_source(source)) as stream:
                reopen = None if urlsplit(source).scheme else lambda offset, source=source: _reopen(source, offset)
                for capture in read_captures(stream, self.wanted_url, self.counts, reopen=reopen):
                    yield self.capture_request(capture)
                    if time.monotonic() - progress >= PROGRESS_EVERY:
                        progress = time.monotonic()
                        self.log_progress()
            self.logger.info("WARC file done: %s", source)
        self.log_progress()

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
        (and section) when a site is given; else anything that may be a page."""
        if self.module:  # the raw path first: most records are other sites' pages (canonicalizing costs more)
            match = self.site.article_match(url)
            section = match and match.groupdict().get("section")
            if not match or (self.section and section and "%" not in section and section != self.section):
                return False  # another section: canonical spelling changes only escapes and slashes
            return bool(self.article_canonical(url))
        return not urlsplit(url).path.lower().endswith(NOT_PAGES)

    def article_canonical(self, url: str) -> str | None:
        """As for a live crawl, but on any host: archives hold the site under its own host,
        a mirror, or the origin it was crawled at."""
        canonical = self.site.canonical(url)
        match = self.site.article_match(canonical)
        if not match or (self.section and match.groupdict().get("section", self.section) != self.section):
            return None
        return canonical

    def capture_request(self, capture: Capture) -> scrapy.Request:
        """With ``canonical_url``: the state's SkipExportedMiddleware refuses an article exported
        before (a rerun after a crash re-reads the file but parses no exported page), and the
        duplicate filter keeps the first capture of each article."""
        self.crawler.stats.inc_value("newsbot/discovery/articles_from_warc")
        canonical = self.article_canonical(capture.url) if self.module else canonical_url(capture.url)
        return capture_request(capture, self.parse_capture, self.on_error, priority=ARTICLE_PRIORITY,
                               canonical_url=canonical)

    def parse_capture(self, response):
        yield from stamped(self.parse_article(response), "warc", response.meta[CAPTURE_META].captured_at)

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


def _reopen(source: str, offset: int):
    stream = open(source, "rb")
    stream.seek(offset)
    return stream
