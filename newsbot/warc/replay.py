"""Archived captures answered like downloads: a request carrying one in ``meta[CAPTURE_META]`` is
answered with it by ``ArchivedResponseMiddleware`` (no network), and the response goes back
through every other downloader middleware (decompression, charset repair, bot-wall check, ...)
like a fetched one."""

from __future__ import annotations

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
