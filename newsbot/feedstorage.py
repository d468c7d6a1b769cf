"""Feed storage that never shows a half-written file: write beside, then rename into place; and
the check, when the spider opens, that every local output location can be written at all."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.extensions.feedexport import FileFeedStorage

PARTIAL_SUFFIX = ".part"
OUTPUT_UNWRITABLE = "output_unwritable"  # finish reason of a crawl closed by the check
URI_PARAM = re.compile(r"%\([a-z_]+\)")
logger = logging.getLogger(__name__)


class _WriteTrackingFile(io.FileIO):
    """The ``.part`` file; remembers a failed write (disk full, I/O error), after which the file is
    incomplete and must never be renamed into place."""

    write_error: OSError | None = None

    def write(self, data) -> int:
        try:
            return super().write(data)
        except OSError as error:
            self.write_error = self.write_error or error
            raise


class AtomicFileFeedStorage(FileFeedStorage):
    """Like Scrapy's file storage (``-O`` overwrites, ``-o`` appends), but the items are written
    to ``{path}.part`` and renamed onto ``path`` only when the feed is complete. A killed crawl
    leaves at most a ``.part`` file, never a truncated ``.jsonl``; a write that failed (disk full)
    or a failed rename leaves no file in place, and the store fails (Scrapy counts
    ``feedexport/failed_count/...`` and the state commits nothing that is not in place)."""

    raw_file = _WriteTrackingFile  # how the .part file is opened (tests inject failing ones)

    def open(self, spider) -> IO[bytes]:
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + PARTIAL_SUFFIX)
        if self.write_mode == "ab" and target.exists():
            shutil.copyfile(target, partial)  # appending: start from what is there
        else:
            partial.unlink(missing_ok=True)
        return io.BufferedWriter(self.raw_file(partial, "a" if self.write_mode == "ab" else "w"))

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        if error := getattr(file.raw, "write_error", None):
            raise OSError(error.errno, f"not renamed into place: a write to it failed ({error.strerror})", file.name)
        self.place(file.name, self.path)

    @staticmethod
    def place(partial: str, target: str) -> None:
        os.replace(partial, target)


def utc_stamp(moment: datetime) -> str:
    """The time in every output file name (``rt-2024-12-06T08-24-00Z.jsonl``): UTC, sortable, and
    without ``:`` or ``+``, which some file systems and tools refuse or mangle."""
    return f"{moment.astimezone(timezone.utc):%Y-%m-%dT%H-%M-%SZ}"


def uri_params(params: dict, spider) -> dict:
    """FEED_URI_PARAMS: Scrapy's ``%(time)s`` (``…T08-24-00+00-00``) and ``%(batch_time)s`` in the
    same safe form as ``newsbot run`` and ``newsbot demo`` names."""
    now = datetime.now(timezone.utc)
    return {**params, "time": utc_stamp(now), "batch_time": f"{now:%Y-%m-%dT%H-%M-%S-%f}Z"}


def local_feed_directory(uri: str, spider_name: str) -> Path | None:
    """The directory a local feed URI writes into (up to its first unknown placeholder, which may
    name a directory); None for a feed that is not a local file."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        path = unquote(parts.path)
    elif len(parts.scheme) <= 1:  # no scheme, or a Windows drive letter
        path = uri
    else:
        return None
    head = URI_PARAM.split(path.replace("%(name)s", spider_name), 1)[0]
    return Path(os.path.dirname(head) or ".")


def check_writable(directory: Path) -> None:
    """Raise OSError unless a file can be created in ``directory`` (created when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".newsbot-probe-", suffix=PARTIAL_SUFFIX):
        pass


class OutputLocationCheck:
    """When the spider opens: every local feed's directory must take a file. Else an ERROR naming
    the path, and the crawl closes (finish reason ``output_unwritable``) before it fetches a page."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        check = cls(crawler)
        crawler.signals.connect(check.spider_opened, signal=signals.spider_opened)
        return check

    def spider_opened(self, spider) -> None:
        for uri in self.crawler.settings.getdict("FEEDS"):
            directory = local_feed_directory(str(uri), spider.name)
            if directory is None:
                continue
            try:
                check_writable(directory)
            except OSError as error:
                logger.error("Output location %s cannot be written (%s): closing the crawl before it fetches "
                             "anything (feed %s)", directory, error.strerror or error, uri)
                self.crawler.stats.set_value("newsbot/errors/output_unwritable", 1)
                raise CloseSpider(OUTPUT_UNWRITABLE) from error
