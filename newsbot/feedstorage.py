"""Feed storage that never shows a half-written file: write beside, then rename into place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import IO

from scrapy.extensions.feedexport import FileFeedStorage

PARTIAL_SUFFIX = ".part"
# Signal sent when a local output file is opened, before any item reaches it, with ``path``
# (absolute) and ``feed_format``: how the state learns which files hold a run's output.
feed_file_opened = object()


class AtomicFileFeedStorage(FileFeedStorage):
    """Like Scrapy's file storage (``-O`` overwrites, ``-o`` appends), but the items are written
    to ``{path}.part`` and renamed onto ``path`` only when the feed is complete. A killed crawl
    leaves at most a ``.part`` file, never a truncated ``.jsonl``."""

    crawler = None

    @classmethod
    def from_crawler(cls, crawler, uri: str, *, feed_options: dict | None = None):
        storage = cls(uri, feed_options=feed_options)
        storage.crawler, storage.feed_format = crawler, (feed_options or {}).get("format")
        return storage

    def open(self, spider) -> IO[bytes]:
        if self.crawler:
            self.crawler.signals.send_catch_log(feed_file_opened, path=os.path.abspath(self.path),
                                                feed_format=self.feed_format)
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + PARTIAL_SUFFIX)
        if self.write_mode == "ab" and target.exists():
            shutil.copyfile(target, partial)  # appending: start from what is there
        else:
            partial.unlink(missing_ok=True)
        return partial.open(self.write_mode)

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        os.replace(file.name, self.path)
