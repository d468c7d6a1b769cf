"""The skip of already-exported articles, as a downloader middleware (like Scrapy's robots.txt one)."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from newsbot.middlewares import RefusedRequest
from newsbot.state.extension import StateExtension

logger = logging.getLogger("newsbot.state")


class AlreadyKnown(RefusedRequest):
    """An article request the state made unnecessary (counted as newsbot/skipped/<reason>)."""


class SkipExportedMiddleware:
    """Refuses a request for an article (one with ``meta["canonical_url"]``) that an earlier run
    exported or dropped as a copy, or that another live run has claimed. Where the spider's site
    module has ids in its URLs, the article's id is asked too: a link whose page declared another
    canonical URL (RT's 2019 pages under /russia/ name /news/) is known by its id."""

    def __init__(self, crawler, state: StateExtension):
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        state = StateExtension.of(crawler)
        if state is None:
            raise NotConfigured("the state extension (newsbot.state.StateExtension) is off")
        return cls(crawler, state)

    async def process_request(self, request) -> None:
        canonical = request.meta.get("canonical_url")
        if not canonical:
            return None
        site = getattr(self.crawler.spider, "site", None)
        article_id = site.article_id(canonical) if site is not None and site.id_in_url else None
        reason = await self.state.skip_reason(canonical, article_id)
        if reason:
            logger.debug("Not fetching %s: %s", canonical, reason)
            raise AlreadyKnown(f"{reason}: {canonical}")
        return None
