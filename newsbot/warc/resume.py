"""Where a rerun of the ``warc`` spider starts in each file: the offset before which every record
is settled, kept beside the state (``{NEWSBOT_STATE}.warc-offsets.json``, or the setting
``NEWSBOT_WARC_OFFSETS``).

A record is settled once its request is answered and every item it gave has left the pipelines;
an offset is written only when a feed file has just been stored, so every item of a settled
record is then in a stored file, which the state counts as exported even when the run dies
later (``Ledger.settle_dead_runs``). A rerun after a crash starts there and loses nothing; the
records it reads again (settled after the last stored file) are the state's to refuse.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

OFFSETS_SUFFIX = ".warc-offsets.json"
IDENTITY_BYTES = 4096  # a file's first bytes name it: another file at the same path starts again from 0


def offsets_path(settings) -> Path | None:
    """Where the offsets are kept: NEWSBOT_WARC_OFFSETS, else beside a local NEWSBOT_STATE;
    None without a state (every run is then complete), with a Redis one unless the setting is
    given, or with NEWSBOT_REFRESH (a re-extraction reads every record again)."""
    if settings.getbool("NEWSBOT_REFRESH"):
        return None
    if explicit := settings.get("NEWSBOT_WARC_OFFSETS"):
        return Path(explicit)
    state = settings.get("NEWSBOT_STATE")
    if not state or urlsplit(str(state)).scheme not in ("", "file"):
        return None
    return Path(urlsplit(str(state)).path + OFFSETS_SUFFIX)


def identity(source: str) -> str | None:
    """A digest of a local file's first bytes (None for a URL: its name is its identity)."""
    if urlsplit(source).scheme in ("http", "https"):
        return None
    with open(source, "rb") as stream:
        return hashlib.sha1(stream.read(IDENTITY_BYTES)).hexdigest()


class ReadOffsets:
    """Per file and filter (site, section): the offset a rerun starts at."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.entries: dict[str, dict] = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            self.entries = {}

    def start(self, key: str, source_identity: str | None) -> int:
        entry = self.entries.get(key)
        return entry["offset"] if entry and entry.get("identity") == source_identity else 0

    def settle(self, updates: dict[str, tuple[str | None, int]]) -> None:
        """Record ``key: (identity, offset)`` pairs; the file is replaced whole (a crash leaves
        the previous one)."""
        changed = False
        for key, (source_identity, offset) in updates.items():
            if self.entries.get(key) != (entry := {"identity": source_identity, "offset": offset}):
                self.entries[key] = entry
                changed = True
        if not changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(json.dumps(self.entries, indent=1, sort_keys=True), "utf-8")
        os.replace(partial, self.path)
