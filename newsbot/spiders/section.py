"""`scrapy crawl section -a url=SECTION_URL`: a section or category page of any site and its
pagination; each article extracted by the module its page belongs to (newsbot.sites.site_for_page)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import TextResponse

from newsbot.discovery import announced_feeds, article_links, parse_sitemap, robots_sitemaps
from newsbot.extract import Page
from newsbot.listing import is_article_url, next_page_url
from newsbot.sites import declared_url, site_for_page
from newsbot.sites.base import Site
from newsbot.sites.generic import SITE as GENERIC
from newsbot.spiders.arguments import SpiderArgumentError
from newsbot.spiders.base import LISTING_PRIORITY, SiteSectionSpider, flag
from newsbot.urls import origin


MAX_SITEMAP_DEPTH = 2  # robots.txt -> index -> sitemap; deeper nesting is a loop or a trap


class SectionSpider(SiteSectionSpider):
    """The section page's module drives the listing: its article URL pattern where it has one
    (RT), else the structural rules of newsbot.listing; its next-page rule, else the common
    ones (rel=next, "older posts", /page/N/). A section page that declares its canonical URL on
    another host (a mirror, a replica) is that host's: links to either host are fetched from the
    one given, and records carry the site's own URLs."""

    name = "section"
    site = GENERIC  # until the section page says whose it is

    def __init__(self, url: str | None = None, links=None, sitemaps=None, **kwargs):
        if not url or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise SpiderArgumentError(f"the section spider needs -a url=SECTION_URL (an http(s) URL), got {url!r}")
        super().__init__(base_url=origin(url), **kwargs)
        # Article sources, each switched off with -a NAME=0: the section page's links (and its
        # next pages), the feeds it announces (-a feeds=0), the sitemaps of robots.txt.
        self.use_links = flag(links)
        self.use_sitemaps = flag(sitemaps)
        self.start_url = url
        self.section_url = url
        self.public_origin = self.crawl_origin

    async def start(self):
        self.logger.info("Crawling section page %s (listing pages: %s, since: %s)", self.start_url,
                         "up to %d" % self.max_pages if self.max_pages else "all",
                         self.since.isoformat() if self.since else "-")
        yield self.listing_request(self.start_url, 0)

    def parse_listing(self, response, page: int = 0):
        if page == 0 and isinstance(response, TextResponse):
            self.adopt_site(response)
            yield from self.other_sources(response)
        if self.use_links:
            yield from super().parse_listing(response, page)

    def other_sources(self, response):
        """Requests for the section's feeds (its own where the page announces one, else the
        site's) and for robots.txt, whose sitemaps list the site's articles."""
        if self.use_feeds:
            feeds = announced_feeds(response.selector, response.url)
            for url in [url for url in feeds if self.in_section(url)] or feeds:
                yield self.source_request(url, self.parse_feed)
        if self.use_sitemaps:
            yield self.source_request("/robots.txt", self.parse_robots)

    def source_request(self, url: str, callback, **cb_kwargs) -> scrapy.Request:
        return scrapy.Request(self.crawl_url(self.site_url(url)), callback=callback, cb_kwargs=cb_kwargs,
                              errback=self.on_error, priority=LISTING_PRIORITY)

    def in_section(self, url: str) -> bool:
        """Whether ``url`` is below the section page's path (any URL of the site is, when the
        section is the home page): how entries of site-wide sources are told apart."""
        section_path = urlsplit(self.section_url).path.rstrip("/")
        return not section_path or urlsplit(self.site_url(url)).path.startswith(section_path + "/")

    def parse_robots(self, response):
        sitemaps = robots_sitemaps(response.body, self.site_url(response.url))
        if not sitemaps:
            self.logger.info("robots.txt at %s lists no sitemap", response.url)
        for url in sitemaps:
            yield self.source_request(url, self.parse_sitemap, depth=0)

    def parse_sitemap(self, response, depth: int):
        """A sitemap index (its sitemaps followed, MAX_SITEMAP_DEPTH deep) or a sitemap, whose
        entries of this section are requested."""
        try:
            sitemap = parse_sitemap(response.body)
        except ValueError as error:
            self.report_error("bad_sitemap", response.url, str(error))
            return
        if sitemap.sitemaps and depth >= MAX_SITEMAP_DEPTH:
            self.report_error("sitemap_too_deep", response.url)
        for url in sitemap.sitemaps if depth < MAX_SITEMAP_DEPTH else ():
            yield self.source_request(url, self.parse_sitemap, depth=depth + 1)
        stats = self.crawler.stats
        stats.inc_value("newsbot/sitemaps/entries", len(sitemap.entries))
        for entry in sitemap.entries:
            published = entry.published or entry.modified
            if not self.in_section(entry.url):
                continue
            if self.since and published and published < self.since:
                stats.inc_value("newsbot/skipped/before_since")
            elif request := self.article_request(entry.url, "sitemap"):
                yield request

    def adopt_site(self, response) -> None:
        """Take the section page's module, the site's own origin and the section it lists."""
        self.site = site_for_page(response.url, response.selector)
        declared = declared_url(response.selector)
        if declared and origin(urljoin(response.url, declared)) != self.crawl_origin:
            self.public_origin = origin(urljoin(response.url, declared))
        elif self.site.host and not self.site.owns(response.url):
            self.public_origin = f"https://{self.site.host}"
        self.section_url = self.site_url(response.url)
        if self.site.host:
            section = _template_match(self.site.section_path, urlsplit(self.section_url).path)
            self.section = section or self.section
        self.crawler.stats.set_value("newsbot/section/site_module", self.site.name)
        self.logger.info("Section page %s: site module %r, site origin %s, section %r",
                         response.url, self.site.name, self.public_origin, self.section)

    def article_canonical(self, url: str) -> str | None:
        if self.site.host:
            return super().article_canonical(url)
        canonical = self.site.canonical(self.site_url(url))
        return canonical if is_article_url(canonical, self.section_url) else None

    def listing_links(self, response) -> list[str]:
        """Links of the listing's own area (the module's), else the page's links that newsbot.discovery
        classifies as articles, by URL and place: navigation, header, footer and sidebars ("recent
        posts" of other sections) are not."""
        area = response.css(self.site.listing_area)[:1] if self.site.listing_area else []
        if area:
            return area.css("a::attr(href)").getall()
        return article_links(response.selector, response.url, self.crawl_url(self.section_url))

    def next_pages(self, response) -> list[str]:
        declared = super().next_pages(response)[:1]
        return declared or [url for url in (next_page_url(response.selector, response.url),) if url]

    def article_site(self, page: Page) -> Site:
        site = site_for_page(page.url, page.selector)
        self.crawler.stats.inc_value(f"newsbot/site_module/{site.name}")
        return site


def _template_match(template: str, path: str) -> str | None:
    """The ``{section}`` of ``path`` read through a module's ``section_path`` template."""
    before, _, after = template.partition("{section}")
    match = re.fullmatch(re.escape(before) + r"(?P<section>[^/]+)" + re.escape(after), path)
    return match.group("section") if match else None
