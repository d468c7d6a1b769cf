"""Downloader middlewares: retries that back off (and honour Retry-After) instead of hammering."""

from __future__ import annotations

import logging
import random
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

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
            await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))
