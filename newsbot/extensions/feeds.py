"""Size-based rotation of feeds: Scrapy rotates by item count only (FEED_EXPORT_BATCH_ITEM_COUNT)."""

from __future__ import annotations

import re
from typing import IO

from scrapy.extensions.feedexport import FeedExporter, FeedSlot, apply_uri_params
from scrapy.extensions.postprocessing import PostProcessingManager

BATCH_PLACEHOLDER = re.compile(r"%\(batch_(?:time|id)\)")


def _bytes_written(slot: FeedSlot) -> int:
    """Bytes that reached the part's file (after compression, when the feed is post-processed)."""
    file: IO[bytes] = slot.file.file if isinstance(slot.file, PostProcessingManager) else slot.file
    return file.tell()


class SizeRotatingFeedExporter(FeedExporter):
    """Scrapy's feed exporter, plus the feed option ``batch_max_bytes`` (default: the setting
    NEWSBOT_FEED_BATCH_MAX_BYTES; 0 = one file): once a part holds that many bytes, the next
    item starts a new part. Each part is a whole file of its own (its own gzip stream, stored
    under a temporary name and renamed when complete), so rotation never splits a record."""

    def __init__(self, crawler):
        super().__init__(crawler)
        default = self.settings.getint("NEWSBOT_FEED_BATCH_MAX_BYTES", 0)
        self.max_bytes = {uri: int(options.get("batch_max_bytes", default)) for uri, options in self.feeds.items()}
        for uri, limit in self.max_bytes.items():
            if limit < 0:
                raise ValueError(f"batch_max_bytes of feed {uri} must be 0 (off) or positive, not {limit}")
            if limit and not BATCH_PLACEHOLDER.search(uri):
                raise ValueError(f"feed {uri} rotates by size (batch_max_bytes={limit}): its URI needs "
                                 "%(batch_id)d or %(batch_time)s so that each part gets its own name")

    def item_scraped(self, item, spider) -> None:
        super().item_scraped(item, spider)
        self.slots = [self._next_part(slot, spider) if self._is_full(slot) else slot for slot in self.slots]

    def _is_full(self, slot: FeedSlot) -> bool:
        limit = self.max_bytes[slot.uri_template]
        return bool(limit and slot.itemcount) and _bytes_written(slot) >= limit

    def _next_part(self, slot: FeedSlot, spider) -> FeedSlot:
        # The same steps Scrapy takes when a batch reaches FEED_EXPORT_BATCH_ITEM_COUNT.
        options = self.feeds[slot.uri_template]
        params = self._get_uri_params(spider, options["uri_params"], slot)
        self._schedule_slot_close(slot, spider)
        return self._start_new_batch(batch_id=slot.batch_id + 1, uri=apply_uri_params(slot.uri_template, params),
                                     feed_options=options, spider=spider, uri_template=slot.uri_template)
