"""Feed files through Scrapy's public hooks: size-based rotation, and what each file is called.

Scrapy rotates a feed by item count only (``batch_item_count``). newsbot adds the feed option
``batch_max_bytes`` (default: the setting NEWSBOT_FEED_BATCH_MAX_BYTES; 0 = one file): once a
part holds that many bytes, the next item goes to a new part. Three public pieces do it:

- ``FeedFilesAddon`` (ADDONS) checks each feed's options before the crawl starts and gives every
  feed a ``FeedNaming`` as its ``uri_params`` (Scrapy's hook to name a batch);
- ``FeedNaming`` applies the feed's own ``uri_params`` function, if any, names later parts the
  way Scrapy names batches, and announces each name with the signal ``feed_file_named``;
- ``PartedFileFeedStorage`` (FEED_STORAGES) writes each part as a whole file of its own (its own
  gzip stream when post-processed, under a temporary name, renamed when complete), so rotation
  never splits a record, and announces each stored file with the signal ``feed_file_stored``.

Other components learn the run's output files from these two signals (the run report; the
state, which must know a file before any item reaches it).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object
from w3lib.url import file_uri_to_path

from newsbot.feedstorage import PARTIAL_SUFFIX, AtomicFileFeedStorage

BATCH_PLACEHOLDER = re.compile(r"%\(batch_(?:time|id)\)")
LINE_FORMATS = ("jsonlines", "jsonl", "jl")  # one write per record: a part can end after any write
PART_POSTPROCESSING = "newsbot_part_postprocessing"  # a rotated feed's plugins, applied per part

# Signals (``crawler.signals.connect(handler, signal=...)``):
feed_file_named = object()
"""A feed file was named, before any item is written to it: ``uri``, ``path`` (the local file it
becomes when complete, or None for a remote feed), ``feed_format``. Sent for each batch and part."""
feed_file_stored = object()
"""A local feed file is complete and in place: ``path``, ``items`` (records in it; None when the
format or post-processing leaves them uncounted, then the feed_slot_closed signal's count holds)."""


def local_path(uri: str) -> str | None:
    """The file path of a feed URI stored on this machine, else None (s3://, ftp://, ...)."""
    scheme = urlsplit(uri).scheme
    if scheme == "file":
        return file_uri_to_path(uri)
    return uri if not scheme or len(scheme) == 1 else None  # one letter: a Windows drive


class FeedNaming:
    """A feed's ``uri_params`` function: Scrapy calls it to name each batch of the feed."""

    def __init__(self, template: str, feed_format: str, uri_params: str | Any | None = None):
        self.template = template
        self.feed_format = feed_format
        self.uri_params = uri_params  # the feed's own function (import path or callable), applied first
        self.params: dict[str, Any] = {}
        self.crawler = None

    def __call__(self, params: dict[str, Any], spider) -> dict[str, Any]:
        if self.uri_params:
            returned = load_object(self.uri_params)(params, spider)
            params = params if returned is None else returned
        self.params, self.crawler = params, spider.crawler
        self._announce(self.template % params)
        return params

    def part_uri(self, batch_id: int) -> str:
        """The URI of a later part, named as Scrapy names a batch; announced."""
        now = datetime.now(tz=timezone.utc)
        uri = self.template % {**self.params, "batch_id": batch_id, "batch_time": now.isoformat().replace(":", "-")}
        self._announce(uri)
        return uri

    def _announce(self, uri: str) -> None:
        self.crawler.signals.send_catch_log(feed_file_named, uri=uri, path=local_path(uri),
                                            feed_format=self.feed_format)


class FeedFilesAddon:
    """Checks each feed's ``batch_max_bytes`` and gives it a ``FeedNaming``; a rotated feed's
    post-processing plugins move to its storage, which applies them to each part."""

    def update_settings(self, settings) -> None:
        default = settings.getint("NEWSBOT_FEED_BATCH_MAX_BYTES", 0)
        count_default = settings.getint("FEED_EXPORT_BATCH_ITEM_COUNT", 0)
        feeds = {}
        for uri, given in settings.getdict("FEEDS").items():
            options = dict(given)
            limit = int(options.get("batch_max_bytes", default))
            feed_format = options.get("format", "")
            if limit:
                check_rotation(uri, limit, feed_format, options.get("batch_item_count", count_default))
                options["batch_max_bytes"] = limit
                options[PART_POSTPROCESSING] = options.pop("postprocessing", None) or []
            options["uri_params"] = FeedNaming(uri, feed_format,
                                               options.get("uri_params") or settings.get("FEED_URI_PARAMS"))
            feeds[uri] = options
        if feeds:
            settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS"))


def check_rotation(uri: str, limit: int, feed_format: str, batch_item_count: int) -> None:
    if limit < 0:
        raise ValueError(f"batch_max_bytes of feed {uri} must be 0 (off) or positive, not {limit}")
    if not BATCH_PLACEHOLDER.search(uri):
        raise ValueError(f"feed {uri} rotates by size (batch_max_bytes={limit}): its URI needs "
                         "%(batch_id)d or %(batch_time)s so that each part gets its own name")
    if feed_format not in LINE_FORMATS:
        raise ValueError(f"feed {uri} rotates by size (batch_max_bytes={limit}): only a JSON lines feed can be cut "
                         f"between records, not format {feed_format!r}")
    if batch_item_count:
        raise ValueError(f"feed {uri}: rotate by size (batch_max_bytes) or by count (batch_item_count), not both")


class PartedFileFeedStorage(AtomicFileFeedStorage):
    """The atomic file storage (``.part`` then rename), announcing each stored file, and cutting
    a feed with ``batch_max_bytes`` into parts of about that many bytes."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None, crawler=None):
        super().__init__(uri, feed_options=feed_options)
        self.uri = uri
        self.feed_options = feed_options or {}
        self.crawler = crawler
        self.max_bytes = int(self.feed_options.get("batch_max_bytes") or 0)
        naming = self.feed_options.get("uri_params")
        self.naming = naming if isinstance(naming, FeedNaming) else None
        # Records are counted where each write is one: a line format written without Scrapy's plugins.
        self.counts_records = (self.feed_options.get("format") in LINE_FORMATS
                               and not self.feed_options.get("postprocessing"))

    @classmethod
    def from_crawler(cls, crawler, uri: str, *, feed_options: dict[str, Any] | None = None):
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider) -> FeedParts:
        return FeedParts(self, spider)

    def open_part(self, spider) -> IO[bytes]:
        return super().open(spider)

    def store(self, file: FeedParts) -> None:
        file.finish()

    def store_part(self, file: IO[bytes], items: int | None) -> None:
        super().store(file)
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(feed_file_stored, path=self.path, items=items)


class FeedParts:
    """The file Scrapy's exporter writes to: the current part of the feed, behind the feed's
    post-processing plugins when it rotates (Scrapy's own wrap the whole feed otherwise)."""

    def __init__(self, storage: PartedFileFeedStorage, spider):
        self.storage = storage
        self.spider = spider
        self.batch_id = int(storage.naming.params.get("batch_id", 1)) if storage.naming else 1
        self._open(storage)

    def _open(self, part: PartedFileFeedStorage) -> None:
        self.part = part
        self.raw = part.open_part(self.spider)
        self.sink: Any = self.raw
        for plugin in reversed(self.storage.feed_options.get(PART_POSTPROCESSING, ())):
            self.sink = load_object(plugin)(self.sink, self.storage.feed_options)
        self.records = 0

    @property
    def name(self) -> str:
        return self.raw.name

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        written = self.sink.write(data)
        self.records += 1
        # Full: the next record goes to a new part, named (and announced) before it is emitted.
        if self.storage.max_bytes and self.raw.tell() >= self.storage.max_bytes:
            self._store_part()
            self.batch_id += 1
            uri = self.storage.naming.part_uri(self.batch_id)
            self._open(PartedFileFeedStorage(uri, feed_options=self.storage.feed_options, crawler=self.storage.crawler))
        return written

    def flush(self) -> None:
        self.sink.flush()

    def close(self) -> None:
        """Scrapy's exporters may close their file; the feed is complete only at ``finish``."""

    def _store_part(self) -> None:
        if self.sink is not self.raw:
            self.sink.close()  # the plugins' trailers (gzip) go out; the raw file stays open
        self.part.store_part(self.raw, self.records if self.storage.counts_records else None)

    def finish(self) -> None:
        if self.records or self.part is self.storage:
            self._store_part()
            return
        # A part opened after the previous one filled, and no record came: no empty part is left.
        if self.sink is not self.raw:
            self.sink.close()
        self.raw.close()
        Path(self.part.path + PARTIAL_SUFFIX).unlink(missing_ok=True)
