"""One fingerprint per canonical URL: what Scrapy's duplicate filter (and, in distributed mode,
the shared Redis filter) compares, so each article is requested once however it was linked."""

from __future__ import annotations

import hashlib
import json

from newsbot.urls import canonicalize


class CanonicalRequestFingerprinter:
    """``REQUEST_FINGERPRINTER_CLASS``: Scrapy's fingerprint (method, URL, body) taken over the
    request's canonical URL - ``meta["canonical_url"]`` where the spider set it (article
    requests), else the spider's site module's canonical form of the URL (tracking parameters,
    fragments, AMP variants and mirror hosts removed). A URL variant is the same request for
    Scrapy's own filter in one process and for every worker sharing the Redis filter."""

    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def canonical_url(self, request) -> str:
        if (canonical := request.meta.get("canonical_url")) and not request.meta.get("redirect_urls"):
            return canonical
        site = getattr(self.crawler.spider, "site", None) if self.crawler else None
        return (site.canonical(request.url) if site else canonicalize(request.url)) or request.url

    def fingerprint(self, request) -> bytes:
        described = {"method": request.method, "url": self.canonical_url(request), "body": request.body.hex()}
        if chain := request.meta.get("redirect_urls"):
            # A redirect continues the fetch of the request it answers: never a repeat of another
            # request (a loop is the redirect middlewares' to report, not the filter's to hide).
            described["redirected_from"] = chain
        return hashlib.sha1(json.dumps(described, sort_keys=True).encode()).digest()
