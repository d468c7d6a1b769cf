"""Feed storages that fail the way real disks do, for the output-fault crawls (FEED_STORAGES)."""

from __future__ import annotations

import errno
import os

from newsbot.feedstorage import AtomicFileFeedStorage, _WriteTrackingFile

DISK_FREE_BYTES = 20_000  # a few articles fit, then the disk is full


class _FullDiskFile(_WriteTrackingFile):
    """Takes DISK_FREE_BYTES, then every write fails with ENOSPC, as on a full file system."""

    written = 0

    def write(self, data) -> int:
        if self.written + len(data) > DISK_FREE_BYTES:
            self.write_error = self.write_error or OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise self.write_error
        self.written += len(data)
        return super().write(data)


class DiskFullStorage(AtomicFileFeedStorage):
    raw_file = _FullDiskFile


class RenameFailsStorage(AtomicFileFeedStorage):
    """The rename into place fails (as across devices, or on a directory turned read-only)."""

    @staticmethod
    def place(partial: str, target: str) -> None:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), target)
