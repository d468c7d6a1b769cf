"""The SQLite state store: one file shared safely by the runs of one machine.

WAL lets a run read while another writes; every look-up-and-claim is one ``BEGIN IMMEDIATE``
transaction, so two runs never claim the same article or both miss each other's copy.
``synchronous=NORMAL`` keeps each commit off the disk's critical path: WAL commits survive a
killed process (not a power cut, which may lose the last transactions, never corrupt the file).
A run is alive while its process holds an flock on ``{state}.runs/{run}.lock``: the kernel
releases it when the process dies, even by SIGKILL, so a later run knows to settle its claims.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from newsbot.state.store import ArticleStore, Entry, StateError, check_parameters

SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    canonical_url TEXT NOT NULL,
    source_url TEXT,
    fingerprint BLOB,
    modified_at TEXT,
    duplicate_of TEXT,
    run TEXT NOT NULL,
    pending INTEGER NOT NULL,
    signature BLOB,
    bands BLOB,
    UNIQUE (id, version)
);
CREATE INDEX IF NOT EXISTS articles_by_url ON articles (canonical_url, version);
CREATE INDEX IF NOT EXISTS articles_by_source ON articles (source_url) WHERE source_url IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_by_fingerprint ON articles (fingerprint) WHERE fingerprint IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_pending ON articles (run) WHERE pending;
CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, article INTEGER NOT NULL,
                                  PRIMARY KEY (band, article)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (run TEXT PRIMARY KEY, pid INTEGER NOT NULL, started_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_feeds (run TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (run, path));
"""
ENTRY_COLUMNS = "id, version, canonical_url, source_url, fingerprint, modified_at, duplicate_of, run, pending"
BUSY_TIMEOUT = 60.0  # seconds a run waits for another's transaction; each one lasts milliseconds
BAND_BYTES = 8


def _entry(row) -> Entry:
    return Entry(*row[:8], pending=bool(row[8]))


def _pack_bands(bands: tuple[int, ...]) -> bytes:
    return b"".join(band.to_bytes(BAND_BYTES, "big", signed=True) for band in bands)


def _unpack_bands(blob: bytes | None) -> list[int]:
    blob = blob or b""
    return [int.from_bytes(blob[i:i + BAND_BYTES], "big", signed=True) for i in range(0, len(blob), BAND_BYTES)]


class RunLocks:
    """Whether a run's process lives: it holds an exclusive flock on the run's file."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._held: dict[str, int] = {}

    def _path(self, run: str) -> Path:
        return self.directory / f"{run}.lock"

    def hold(self, run: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self._path(run), os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._held[run] = descriptor

    def holds(self, run: str) -> bool:
        return run in self._held

    def alive(self, run: str) -> bool:
        if self.holds(run):
            return True
        try:
            descriptor = os.open(self._path(run), os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)  # also drops the lock just taken
        return False

    def drop(self, run: str) -> None:
        self._path(run).unlink(missing_ok=True)
        if run in self._held:
            os.close(self._held.pop(run))

    def drop_held(self) -> None:
        for run in list(self._held):
            self.drop(run)


class SqliteStore(ArticleStore):
    """The state in the SQLite file ``path``; with ``path=None`` a private temporary database
    that lives as long as the run (duplicates are then found within that run only)."""

    def __init__(self, path: str | os.PathLike | None = None, busy_timeout: float = BUSY_TIMEOUT):
        self.path = Path(path) if path else None
        self._locks = RunLocks(Path(f"{self.path}.runs")) if self.path else None
        self._depth = 0
        try:
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # Not bound to the opening thread: `scrapy shell` opens extensions in its main thread and
            # crawls in a reactor thread. One thread at a time uses the store.
            self._db = sqlite3.connect(self.path or "", timeout=busy_timeout, isolation_level=None,
                                       check_same_thread=False)
            if self.path:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
        except (sqlite3.Error, OSError) as error:
            raise StateError(f"cannot open the state {self.path}: {error}") from error

    @contextmanager
    def atomic(self) -> Iterator[None]:
        if self._depth:  # already inside this store's transaction
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._depth = 0

    def _one(self, where: str, *args) -> Entry | None:
        row = self._db.execute(f"SELECT {ENTRY_COLUMNS} FROM articles WHERE {where} LIMIT 1", args).fetchone()
        return _entry(row) if row else None

    # -- parameters and counts --
    def use_parameters(self, parameters: dict[str, str]) -> None:
        wanted = {"schema": SCHEMA_VERSION, **parameters}
        with self.atomic():
            stored = dict(self._db.execute("SELECT name, value FROM meta"))
            if not stored:
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", wanted.items())
                return
        check_parameters(stored, wanted, str(self.path), "use a new state file")

    def exported_count(self) -> int:
        return self._db.execute("SELECT count(DISTINCT id) FROM articles WHERE NOT pending AND version > 0").fetchone()[0]

    # -- look-ups --
    def latest(self, article_id: str) -> Entry | None:
        return self._one("id = ? ORDER BY version DESC", article_id)

    def by_url(self, canonical_url: str) -> Entry | None:
        return self._one("canonical_url = ? ORDER BY version DESC", canonical_url)

    def by_source(self, canonical_url: str) -> Entry | None:
        return self._one("source_url = ?", canonical_url)

    def by_fingerprint(self, fingerprint: bytes) -> Entry | None:
        return self._one("fingerprint = ?", fingerprint)

    def near(self, bands: tuple[int, ...]) -> Iterator[tuple[Entry, bytes]]:
        if not bands:
            return iter(())
        rows = self._db.execute(
            f"SELECT {ENTRY_COLUMNS}, signature FROM articles WHERE key IN "
            f"(SELECT article FROM bands WHERE band IN ({', '.join('?' * len(bands))}))", bands)
        return ((_entry(row), row[9]) for row in rows)

    # -- claims --
    def claim(self, entry: Entry, signature: bytes | None = None, bands: tuple[int, ...] = ()) -> bool:
        with self.atomic():
            cursor = self._db.execute(
                "INSERT INTO articles (id, version, canonical_url, source_url, fingerprint, modified_at, duplicate_of,"
                " run, pending, signature, bands) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (id, version) DO NOTHING",
                (entry.id, entry.version, entry.canonical_url, entry.source_url, entry.fingerprint, entry.modified_at,
                 entry.duplicate_of, entry.run, signature, _pack_bands(bands) if bands else None))
            if not cursor.rowcount:
                return False
            self._db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                                 ((band, cursor.lastrowid) for band in bands))
        return True

    def _forget(self, rows: list[tuple[int, bytes | None]]) -> None:
        """Delete articles (key, packed bands) and their band index entries."""
        self._db.executemany("DELETE FROM bands WHERE band = ? AND article = ?",
                             ((band, key) for key, packed in rows for band in _unpack_bands(packed)))
        self._db.executemany("DELETE FROM articles WHERE key = ?", ((key,) for key, _ in rows))

    def release(self, article_id: str, version: int, run: str) -> None:
        with self.atomic():
            self._forget(self._db.execute("SELECT key, bands FROM articles WHERE id = ? AND version = ? AND run = ?"
                                          " AND pending", (article_id, version, run)).fetchall())

    def pending(self, run: str) -> set[tuple[str, int]]:
        return set(self._db.execute("SELECT id, version FROM articles WHERE run = ? AND pending", (run,)))

    def settle(self, run: str, exported: set[tuple[str, int]] | None = None) -> tuple[int, int]:
        with self.atomic():
            rows = self._db.execute("SELECT key, id, version, bands FROM articles WHERE run = ? AND pending",
                                    (run,)).fetchall()
            kept = [(key, article_id, version) for key, article_id, version, _ in rows
                    if exported is None or (article_id, version) in exported]
            kept_keys = {key for key, _, _ in kept}
            self._forget([(key, packed) for key, _, _, packed in rows if key not in kept_keys])
            self._db.executemany("UPDATE articles SET pending = 0 WHERE key = ?", ((key,) for key in kept_keys))
            for _, article_id, version in kept:
                if version > 1:  # a new version replaces the older ones in the near-duplicate index
                    self._unindex_older(article_id, version)
        return len(kept), len(rows) - len(kept)

    def _unindex_older(self, article_id: str, version: int) -> None:
        older = self._db.execute("SELECT key, bands FROM articles WHERE id = ? AND version < ? AND bands IS NOT NULL",
                                 (article_id, version)).fetchall()
        self._db.executemany("DELETE FROM bands WHERE band = ? AND article = ?",
                             ((band, key) for key, packed in older for band in _unpack_bands(packed)))
        self._db.executemany("UPDATE articles SET bands = NULL, signature = NULL WHERE key = ?",
                             ((key,) for key, _ in older))

    # -- runs --
    def start_run(self, run: str) -> None:
        if self._locks:
            self._locks.hold(run)  # before the run is visible, so nobody takes it for dead
        with self.atomic():
            self._db.execute("INSERT INTO runs VALUES (?, ?, ?)",
                             (run, os.getpid(), datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def other_runs(self) -> list[tuple[str, bool]]:
        if not self._locks:  # a temporary state has no other runs
            return []
        return [(run, self._locks.alive(run)) for (run,) in self._db.execute("SELECT run FROM runs").fetchall()
                if not self._locks.holds(run)]

    def add_feed(self, run: str, path: str) -> None:
        with self.atomic():
            self._db.execute("INSERT OR IGNORE INTO run_feeds VALUES (?, ?)", (run, path))

    def feeds(self, run: str) -> list[str]:
        return [path for (path,) in self._db.execute("SELECT path FROM run_feeds WHERE run = ?", (run,))]

    def end_run(self, run: str) -> None:
        with self.atomic():
            self._db.execute("DELETE FROM run_feeds WHERE run = ?", (run,))
            self._db.execute("DELETE FROM runs WHERE run = ?", (run,))
        if self._locks:
            self._locks.drop(run)

    def close(self) -> None:
        self._db.close()
        if self._locks:
            self._locks.drop_held()
