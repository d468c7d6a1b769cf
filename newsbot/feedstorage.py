"""Feed storage that never shows a half-written file: write beside, then rename into place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import IO

from scrapy.extensions.feedexport import FileFeedStorage

PARTIAL_SUFFIX = ".part"


class AtomicFileFeedStorage(FileFeedStorage):
    """Like Scrapy's file storage (``-O`` overwrites, ``-o`` appends), but the items are written
    to ``{path}.part`` and renamed onto ``path`` only when the feed is complete. A killed crawl
    leaves at most a ``.part`` file, never a truncated ``.jsonl``."""

    def open(self, spider) -> IO[bytes]:
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
