"""``NEWSBOT_WARC=DIR``: every request/response pair of a crawl, as fetched, into WARC files.

A downloader middleware placed next to the downloader (after it on the way back, before
decompression, redirects and retries): what it records is what the server sent, redirects and
error statuses included. Files rotate at ``NEWSBOT_WARC_MAX_BYTES``, one gzip member per record
(what ``warcio index`` and CDX indexers need), each written as ``NAME.part`` and renamed when
complete, like the JSONL output. warcio writes them: it is the reference implementation that
``warcio check`` and pywb read.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsbot import __version__
from newsbot.feedstorage import PARTIAL_SUFFIX
from newsbot.warc.replay import ARCHIVED_FLAG

logger = logging.getLogger("newsbot.warc")

# Hop-by-hop framing the downloader has already undone: the stored body is de-chunked, so a
# reader must not try to de-chunk it again.
UNDONE_FRAMING = {b"transfer-encoding"}


def warc_date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:  # a status Python does not name
        return str(status)


def _headers(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() if name.lower() not in UNDONE_FRAMING for value in values]


class RotatingWarcFile:
    """WARC.gz files in ``directory``: ``{prefix}-{UTC start}-{serial:05d}.warc.gz``, each begun
    with a ``warcinfo`` record and renamed from ``.part`` when closed."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int, info: dict[str, str]):
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info
        self.started = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.serial = 0
        self.completed: list[Path] = []
        self._file = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None

    def write(self, records) -> None:
        if self._writer is None:
            self._open()
        for record in records:
            self._writer.write_record(record)
        if self.max_bytes and self._file.tell() >= self.max_bytes:
            self.close()

    def record(self, *args, **kwargs):
        """A record built by warcio (same arguments as ``WARCWriter.create_warc_record``)."""
        if self._writer is None:
            self._open()
        return self._writer.create_warc_record(*args, **kwargs)

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}-{self.started}-{self.serial:05d}.warc.gz"
        self.serial += 1
        self._path = self.directory / name
        self._file = open(self._path.with_name(name + PARTIAL_SUFFIX), "wb")
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(name, self.info))

    def close(self) -> None:
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._file.name, self._path)
        self.completed.append(self._path)
        self._file = self._writer = None


class WarcRecorderMiddleware:
    """Writes a ``request`` and a ``response`` record (linked by ``WARC-Concurrent-To``) for every
    response the downloader returns. Settings: ``NEWSBOT_WARC`` (directory; unset: off),
    ``NEWSBOT_WARC_MAX_BYTES`` (rotation size, default 1 GB)."""

    def __init__(self, crawler, directory: str):
        self.stats = crawler.stats
        self.files = RotatingWarcFile(
            Path(directory), prefix=f"newsbot-{crawler.spidercls.name}",
            max_bytes=crawler.settings.getint("NEWSBOT_WARC_MAX_BYTES"),
            info={"software": f"newsbot/{__version__}", "format": "WARC File Format 1.1",
                  "hostname": socket.gethostname(), "isPartOf": crawler.spidercls.name,
                  "http-header-user-agent": crawler.settings.get("USER_AGENT") or ""})

    @classmethod
    def from_crawler(cls, crawler):
        directory = crawler.settings.get("NEWSBOT_WARC")
        if not directory:
            raise NotConfigured
        middleware = cls(crawler, directory)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request, response):
        if ARCHIVED_FLAG in response.flags:  # read from an archive, not fetched: recorded there already
            return response
        moment = warc_date(datetime.now(timezone.utc))
        response_record = self.files.record(
            response.url, "response", payload=BytesIO(response.body), length=len(response.body),
            http_headers=StatusAndHeaders(status_line(response.status), _headers(response.headers),
                                          protocol=response.protocol or "HTTP/1.1"),
            warc_headers_dict={"WARC-Date": moment,
                               **({"WARC-IP-Address": str(response.ip_address)} if response.ip_address else {})})
        target = urlsplit(request.url)
        request_line = f"{request.method} {target.path or '/'}{'?' + target.query if target.query else ''}"
        request_headers = [("Host", target.netloc), *_headers(request.headers)]
        request_record = self.files.record(
            request.url, "request", payload=BytesIO(request.body), length=len(request.body),
            http_headers=StatusAndHeaders(request_line, request_headers, protocol="HTTP/1.1", is_http_request=True),
            warc_headers_dict={"WARC-Date": moment,
                               "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID")})
        self.files.write((response_record, request_record))
        self.stats.inc_value("newsbot/warc/records", 2)
        return response

    def spider_closed(self) -> None:
        self.files.close()
        for path in self.files.completed:
            logger.info("WARC written: %s", path)
        self.stats.set_value("newsbot/warc/files", len(self.files.completed))
