"""A section crawler driven entirely by a site module: listing pages, their pagination, feeds."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from newsbot.botwall import BotWallError
from newsbot.discovery import feed_entries
from newsbot.extract.dates import parse_datetime
from newsbot.extract import Page, extract_article
from newsbot.extract.values import FIXED_PREFIX
from newsbot.middlewares import RefusedRequest, failure_kind
from newsbot.record import Article
from newsbot.sites.base import Site
from newsbot.spiders.arguments import http_url_argument, parse_max_pages, parse_since, reject_unknown
from newsbot.urls import origin, rebase

# Articles first: they are what the run is for, and they free memory held by pending requests.
ARTICLE_PRIORITY, LISTING_PRIORITY = 10, 0




def flag(value, default: bool = True) -> bool:
    if value is None:
        return default
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


class SiteSectionSpider(scrapy.Spider):
    """Crawls one section of ``site``: the section page and its "next"/"More" pages, and the
    section's feeds. Articles are recognised by URL pattern, canonicalised before any request
    (tracking parameters, fragments, AMP, mirrors); Scrapy's duplicate filter, on canonical URLs
    (newsbot.request_fingerprint), lets each through once."""

    site: Site

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if not settings.getdict("FEEDS"):
            settings.set("FEEDS", settings.getdict("NEWSBOT_DEFAULT_FEEDS"), priority="spider")

    def __init__(self, section: str | None = None, base_url: str | None = None, max_pages=None,
                 since: str | None = None, listing=None, feeds=None, **kwargs):
        reject_unknown(type(self), kwargs)
        super().__init__(**kwargs)
        self.section = section or self.default_section
        base_url = http_url_argument("base_url", base_url) if base_url else f"https://{self.site.host}"
        self.base_url = base_url.rstrip("/")
        self.crawl_origin = origin(self.base_url)
        self.public_origin = f"https://{self.site.host}"  # the site's own origin, which the crawl may mirror
        self.max_pages = parse_max_pages(max_pages)
        self.since = parse_since(since)
        self.use_listing = flag(listing)
        self.use_feeds = flag(feeds)
        self.allowed_domains = [urlsplit(self.base_url).hostname]

    default_section = ""

    def log(self, message, level: int = logging.DEBUG, **kwargs) -> None:
        """Only spidermon still logs through Spider.log() (deprecated since Scrapy 2.19): its
        per-check lines and banners, at DEBUG. What a reader sees is the verdict at the end of the
        crawl (newsbot.monitors.SpidermonExtension: one ERROR block, or "All N checks passed")."""
        self.logger.debug(message, **kwargs)

    async def start(self):
        if self.site.sections and self.section not in self.site.sections:
            self.logger.warning("Section %r is not one the %s module lists (%s): crawling it anyway", self.section,
                                self.site.name, ", ".join(self.site.sections))
        self.logger.info(
            "Crawling section %r of %s at %s (listing pages: %s, feeds: %s, since: %s)",
            self.section, self.site.name, self.base_url,
            "up to %d" % self.max_pages if self.max_pages else ("all" if self.use_listing else "off"),
            "on" if self.use_feeds else "off", self.since.isoformat() if self.since else "-",
        )
        if self.use_listing:
            yield self.listing_request(self.crawl_url(self.site.section_path.format(section=self.section)), 0)
        if self.use_feeds:
            for path in self.site.feed_paths:
                yield scrapy.Request(self.crawl_url(path.format(section=self.section)), callback=self.parse_feed,
                                     errback=self.on_error, priority=LISTING_PRIORITY,
                                     dont_filter=self.settings.getbool("NEWSBOT_REFETCH_START_PAGES"))

    # -- URLs --
    def crawl_url(self, url_or_path: str) -> str:
        """Where to fetch a site URL (or path) in this crawl: under ``base_url``'s origin."""
        return rebase(urljoin(f"{self.public_origin}/", url_or_path), self.crawl_origin)

    def site_url(self, url: str) -> str:
        """A link seen during the crawl, as a URL of the site itself (undoing ``crawl_url``)."""
        return rebase(url, self.public_origin) if origin(url) == self.crawl_origin else url

    def absolute(self, response, href: str) -> str | None:
        """``href`` made absolute; None, counted, for a link too malformed to parse (e.g. "http://[")."""
        try:
            return response.urljoin(href)
        except ValueError:
            self.crawler.stats.inc_value("newsbot/discovery/malformed_links")
            return None

    def listing_request(self, url: str, page: int) -> scrapy.Request:
        # The section page and the feeds (start requests) are fetched even when Scrapy's duplicate
        # filter remembers them (NEWSBOT_REFETCH_START_PAGES, off in distributed mode): a JOBDIR
        # keeps the filter's memory of a crawl that was stopped, and a resumed run starts its
        # discovery from them again. Later listing pages keep the filter, which stops a pagination
        # that loops. (A JOBDIR left by a crawl that never closed, e.g. killed, loses its filter
        # and queue altogether: newsbot.extensions.jobdir.)
        refetch = page == 0 and self.settings.getbool("NEWSBOT_REFETCH_START_PAGES")
        return scrapy.Request(url, callback=self.parse_listing, errback=self.on_error, cb_kwargs={"page": page},
                              priority=LISTING_PRIORITY, dont_filter=refetch)

    def article_request(self, url: str, via: str) -> scrapy.Request | None:
        """A request for ``url`` if it is an article of this section. The duplicate filter drops
        it when the run already requested the article (``request_dropped``); the state's
        downloader middleware when an earlier run exported it."""
        canonical = self.article_canonical(url)
        if canonical is None:
            return None
        self.crawler.stats.inc_value(f"newsbot/discovery/articles_from_{via}")
        return scrapy.Request(self.crawl_url(canonical), callback=self.parse_article, errback=self.on_error,
                              priority=ARTICLE_PRIORITY, meta={"canonical_url": canonical, "discovered_via": via})

    def request_dropped(self, request) -> None:
        """A repeated link (the duplicate filter had it): it was not a new article after all."""
        if via := request.meta.get("discovered_via"):
            self.crawler.stats.inc_value(f"newsbot/discovery/articles_from_{via}", -1)
            self.crawler.stats.inc_value("newsbot/discovery/repeated_links")

    def article_canonical(self, url: str) -> str | None:
        """The canonical URL of ``url`` if it is an article of this section, else None."""
        canonical = self.site.canonical(self.site_url(url))
        match = self.site.article_match(canonical) if self.site.owns(canonical) else None
        if not match or match.groupdict().get("section", self.section) != self.section:
            return None
        return canonical

    # -- what a page holds, by the site module (overridden where the module is chosen per page) --
    def listing_links(self, response) -> list[str]:
        return response.css("a::attr(href)").getall()

    def next_pages(self, response) -> list[str]:
        return response.css(self.site.next_page).getall() if self.site.next_page else []

    def article_site(self, page: Page) -> Site:
        return self.site

    # -- callbacks --
    def parse(self, response):
        """What `scrapy parse URL` calls without ``-c``: an article of the section is read as one,
        any other page as a listing page."""
        if self.article_canonical(response.url):
            return self.parse_article(response)
        return self.parse_listing(response)

    def parse_listing(self, response, page: int = 0):
        if not self.is_html(response):
            return
        found = [request for href in self.listing_links(response)
                 if (url := self.absolute(response, href)) and (request := self.article_request(url, "listing"))]
        yield from found
        self.crawler.stats.inc_value("newsbot/listing/pages")
        next_urls = self.next_pages(response)
        if page == 0 and not found and not next_urls:
            self.report_error("empty_section", response.url, "the section page links to no article")
        if self.max_pages and page + 1 >= self.max_pages:
            return
        if self.since and self.listing_is_older(response):
            self.logger.info("Listing page %s is older than since=%s: not paginating further", response.url, self.since)
            return
        for next_url in next_urls:
            yield self.listing_request(self.crawl_url(self.site_url(response.urljoin(next_url))), page + 1)

    def listing_is_older(self, response) -> bool:
        """True when every dated card of the listing page predates ``since``."""
        dates = [parse_datetime(text, self.site.selectors.date_formats, self.site.timezone)
                 for text in response.css(self.site.card).css(self.site.card_date).xpath("string()").getall()] \
            if self.site.card and self.site.card_date else []
        dates = [moment for moment in dates if moment]
        return bool(dates) and max(dates) < self.since

    def parse_feed(self, response):
        try:
            entries = feed_entries(response.body)
        except ValueError as error:
            self.report_error("bad_feed", response.url, str(error))
            return
        self.crawler.stats.inc_value("newsbot/feeds/entries", len(entries))
        for entry in entries:
            if self.since and entry.published and entry.published < self.since:
                self.crawler.stats.inc_value("newsbot/skipped/before_since")
                continue
            if request := self.article_request(entry.url, "feed"):
                yield request

    def parse_article(self, response):
        if article := self.read_article(response):
            yield article

    def read_article(self, response) -> Article | None:
        """The article of ``response``, or None (counted). The page is parsed into a tree of its own,
        not the response's cached one, so the tree (many times the page's size) is freed here, not
        kept by every response whose item is still in the pipelines."""
        if not self.is_html(response):
            return None
        page = Page(response.url, response.text)
        try:
            article = extract_article(page, self.article_site(page), fetched_at=datetime.now(timezone.utc))
        except Exception as error:  # one broken page must not end the crawl
            self.logger.exception("Extraction failed for %s", response.url)
            self.report_error("extraction_failed", response.url, repr(error), log=False)
            return None
        stats = self.crawler.stats
        for problem in page.problems:
            if problem.startswith(FIXED_PREFIX):  # no layer had a usable value: the field is left null
                stats.inc_value(f"newsbot/{problem}")
                self.logger.warning("Fixed %s: no usable value, left empty: %s", problem[len(FIXED_PREFIX):],
                                    response.url)
            else:
                stats.inc_value(f"newsbot/page_problems/{problem}")
        for field, layer in article.provenance.items():
            stats.inc_value(f"newsbot/provenance/{field}/{layer}")
        if self.since and article.published_at and datetime.fromisoformat(article.published_at) < self.since:
            stats.inc_value("newsbot/skipped/before_since")
            return None
        return article

    # -- errors: logged with the URL and counted, never fatal --
    def is_html(self, response) -> bool:
        if isinstance(response, TextResponse):
            return True
        self.report_error("not_html", response.url, response.headers.get("Content-Type", b"").decode("latin-1"))
        return False

    def report_error(self, kind: str, url: str, detail: str = "", log: bool = True) -> None:
        self.crawler.stats.inc_value(f"newsbot/errors/{kind}")
        if log:
            self.logger.error("%s: %s%s", kind, url, f" ({detail})" if detail else "")

    def on_error(self, failure):
        request = failure.request
        if failure.check(BotWallError, RefusedRequest):
            return  # counted and logged where it was recognised
        if failure.check(HttpError):
            status = failure.value.response.status
            self.report_error(f"http_{status}", request.url)
        else:
            self.report_error(failure_kind(failure), request.url, failure.getErrorMessage())
