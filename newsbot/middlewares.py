"""Downloader middlewares: retries that back off (and honour Retry-After) instead of hammering;
redirects that neither loop unseen nor leave the allowed hosts; a name for every failure."""

from __future__ import annotations

import logging
import random
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from urllib.parse import urljoin

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, DownloadTimeoutError, IgnoreRequest, ResponseDataLossError)
from scrapy.utils.asyncio import sleep
from w3lib.url import canonicalize_url, safe_url_string

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but each retry waits: Retry-After when the server says, else exponential
    back-off with jitter (RETRY_BACKOFF_BASE * 2**attempt), never longer than RETRY_BACKOFF_MAX."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def delay_for(self, request, response=None) -> float:
        server_says = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if server_says is not None:
            return min(server_says, self.cap)
        attempt = request.meta.get("retry_times", 0)
        return min(self.base * (2**attempt) * random.uniform(0.5, 1.5), self.cap)

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is not response:  # a retry request: wait before handing it back
            await self._wait(self.delay_for(request, response), request)
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if result is not None:
            await self._wait(self.delay_for(request), request)
        return result

    async def _wait(self, seconds: float, request) -> None:
        if seconds > 0:
            self.crawler.stats.inc_value("newsbot/retry/backoff_seconds", round(seconds, 3))
            logger.debug("Backing off %.2fs before retrying %s", seconds, request.url)
            await sleep(seconds)  # asyncio's sleep, or the reactor's where asyncio is not available


class RefusedRequest(IgnoreRequest):
    """A request newsbot refused on purpose; already counted and logged where it was refused."""


class StrictOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter without its gap for redirects: a redirect inherits ``dont_filter``
    from the request it answers, and a retried request has it set, so after a retry Scrapy would
    follow a redirect to any host. Here a redirect off the allowed hosts is always refused,
    counted as ``newsbot/errors/offsite_redirect`` and logged with both URLs (Scrapy only
    counts ``offsite/filtered`` and logs the first one per host at DEBUG)."""

    def process_request(self, request) -> None:
        chain = request.meta.get("redirect_urls")
        if not chain or request.meta.get("allow_offsite") or self.should_follow(request, self.crawler.spider):
            return super().process_request(request)
        self.crawler.stats.inc_value("newsbot/errors/offsite_redirect")
        logger.error("offsite_redirect: %s (redirected to %s)", chain[0], request.url)
        raise RefusedRequest(f"redirect to another host: {request.url}")


class CountingMiddleware:
    """Base of a downloader middleware that counts what it does in the crawl's stats."""

    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectLoopMiddleware(CountingMiddleware):
    """Before Scrapy's redirect middleware: a redirect back to a URL of its own chain is a loop.
    Scrapy would schedule it, and the duplicate filter would drop it without a word; here it is
    counted as ``newsbot/errors/redirect_loop`` and logged with the URL."""

    def process_response(self, request, response):
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        target = canonicalize_url(urljoin(request.url, safe_url_string(location)))
        if target not in {canonicalize_url(url) for url in chain}:
            return response
        self.stats.inc_value("newsbot/errors/redirect_loop")
        logger.error("redirect_loop: %s (%s)", chain[0], " -> ".join([*chain, target]))
        raise RefusedRequest(f"redirect loop: {chain[0]}")


def failure_kind(failure) -> str:
    """Why a request failed, as the short name of its ``newsbot/errors/<kind>`` stat."""
    error = failure.value
    if isinstance(error, IgnoreRequest):
        message = str(error)
        if "robots.txt" in message:
            return "robots_forbidden"
        if "max redirections" in message:
            return "too_many_redirects"
        if "DOWNLOAD_MAXSIZE" in message:  # a compressed body that inflates past the limit
            return "too_large"
        return "ignored"
    for kinds, name in ((DownloadTimeoutError, "timeout"), (DownloadCancelledError, "too_large"),
                        (ResponseDataLossError, "data_loss"), (DownloadFailedError, "connection_lost"),
                        (DownloadConnectionRefusedError, "connection_refused"), (CannotResolveHostError, "dns_failed")):
        if isinstance(error, kinds):
            return name
    return type(error).__name__
