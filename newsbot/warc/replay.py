"""Archived captures answered like downloads: a request carrying one in ``meta[CAPTURE_META]`` is
answered with it by ``ArchivedResponseMiddleware`` (no network), and the response goes back
through every other downloader middleware (decompression, charset repair, bot-wall check, ...)
like a fetched one."""

from __future__ import annotations

from datetime import datetime, timezone

from scrapy import Request
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

CAPTURE_META = "newsbot_capture"
ARCHIVED_FLAG = "archived"
# Framing the reader has undone (de-chunked); Content-Encoding is left to Scrapy's decompression.
UNDONE_FRAMING = {"transfer-encoding"}


class ArchivedResponseMiddleware:
    """Last before the downloader (its process_request runs after every other one, so the
    state's skip and the offsite check still apply)."""

    def process_request(self, request):
        capture = request.meta.get(CAPTURE_META)
        if capture is None:
            return None
        headers = Headers([(name, value) for name, value in capture.headers if name.lower() not in UNDONE_FRAMING])
        response_class = responsetypes.from_args(headers=headers, url=capture.url, body=capture.body)
        return response_class(url=capture.url, status=capture.status, headers=headers, body=capture.body,
                              request=request, flags=[ARCHIVED_FLAG])


def capture_request(capture, callback, errback, priority: int = 0, dont_filter: bool = False, **meta) -> Request:
    """A request that ``ArchivedResponseMiddleware`` answers with ``capture``: never sent, so
    neither robots.txt nor the offsite rule of the archive's hosts applies to its URL."""
    return Request(capture.url, callback=callback, errback=errback, priority=priority, dont_filter=dont_filter,
                   meta={CAPTURE_META: capture, "dont_redirect": True, "dont_retry": True,
                         "dont_obey_robotstxt": True, "allow_offsite": True, **meta})


def stamped(articles, fetched_from: str, captured_at: datetime):
    """``articles`` marked as read from an archive: where from, and the capture's time (which is
    also when the page was fetched)."""
    moment = captured_at.astimezone(timezone.utc).isoformat()
    for article in articles:
        article.fetched_from = fetched_from
        article.archived_at = moment
        article.fetched_at = moment
        yield article
