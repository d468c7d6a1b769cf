"""The state store in Redis: what SqliteStore keeps in one file, shared by workers on many machines.

``atomic()`` holds a Redis lock (it expires on its own if its holder dies), and every write of a
claim or settlement goes out as one MULTI/EXEC transaction, so the ledger's rules hold as they
do with SQLite. A run is alive while its process refreshes a key with a short expiry: a worker
killed by SIGKILL stops refreshing and is known dead a few seconds later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import redis

from newsbot.state.sqlite import SCHEMA_VERSION, _pack_bands, _unpack_bands
from newsbot.state.store import ArticleStore, Entry, StateError, check_parameters

logger = logging.getLogger("newsbot.state")
PREFIX = "newsbot:state:"
LOCK_EXPIRY = 30.0  # seconds; every block under the lock lasts milliseconds
LOCK_WAIT = 120.0
ALIVE_EXPIRY = 15  # seconds a run counts as alive after its last heartbeat
TEXT_FIELDS = ("id", "canonical_url", "source_url", "modified_at", "duplicate_of", "run")


def _key(name: str) -> str:
    return PREFIX + name


def _member(article_id: str, version: int) -> str:
    return f"{article_id}\x1f{version}"


def _split(member: bytes | str) -> tuple[str, int]:
    article_id, _, version = (member.decode() if isinstance(member, bytes) else member).partition("\x1f")
    return article_id, int(version)


class RedisStore(ArticleStore):
    """The state in the Redis at ``url`` (``redis://host:port/db``), under keys ``newsbot:state:*``."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.redis = redis.Redis.from_url(url)
            self.redis.ping()
        except (redis.RedisError, ValueError) as error:
            raise StateError(f"cannot open the state {url}: {error}") from error
        self._lock = self.redis.lock(_key("lock"), timeout=LOCK_EXPIRY, blocking_timeout=LOCK_WAIT,
                                     thread_local=False)
        self._depth = 0
        self._runs: set[str] = set()  # the runs this process keeps alive
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    @contextmanager
    def atomic(self) -> Iterator[None]:
        if self._depth:
            yield
            return
        if not self._lock.acquire():
            raise StateError(f"the state {self.url} stayed locked for {LOCK_WAIT:.0f}s")
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            self._lock.release()

    # -- entries --
    def _load(self, member: bytes | str | None) -> Entry | None:
        if member is None:
            return None
        fields = self.redis.hgetall(_key(f"entry:{_member(*_split(member))}"))
        return self._entry(fields) if fields else None

    @staticmethod
    def _entry(fields: dict[bytes, bytes]) -> Entry:
        text = {name: fields[name.encode()].decode() if fields.get(name.encode()) else None for name in TEXT_FIELDS}
        return Entry(version=int(fields[b"version"]), fingerprint=fields.get(b"fingerprint") or None,
                     pending=fields[b"pending"] == b"1", **text)

    def _first(self, index: str) -> Entry | None:
        members = self.redis.zrevrange(_key(index), 0, 0)
        return self._load(members[0] if members else None)

    def _any(self, index: str) -> Entry | None:
        member = self.redis.srandmember(_key(index))
        return self._load(member)

    # -- parameters and counts --
    def use_parameters(self, parameters: dict[str, str]) -> None:
        wanted = {"schema": SCHEMA_VERSION, **parameters}
        with self.atomic():
            stored = {name.decode(): value.decode() for name, value in self.redis.hgetall(_key("meta")).items()}
            if not stored:
                self.redis.hset(_key("meta"), mapping=wanted)
                return
        check_parameters(stored, wanted, self.url, "use another Redis database")

    def exported_count(self) -> int:
        return self.redis.scard(_key("exported"))

    # -- look-ups --
    def latest(self, article_id: str) -> Entry | None:
        return self._first(f"versions:{article_id}")

    def by_url(self, canonical_url: str) -> Entry | None:
        return self._first(f"url:{canonical_url}")

    def by_source(self, canonical_url: str) -> Entry | None:
        return self._any(f"source:{canonical_url}")

    def by_fingerprint(self, fingerprint: bytes) -> Entry | None:
        return self._any(f"fingerprint:{fingerprint.hex()}")

    def near(self, bands: tuple[int, ...]) -> Iterator[tuple[Entry, bytes]]:
        if not bands:
            return iter(())
        members = self.redis.sunion([_key(f"band:{band}") for band in bands])
        found = []
        for member in members:
            fields = self.redis.hgetall(_key(f"entry:{_member(*_split(member))}"))
            if fields:
                found.append((self._entry(fields), fields.get(b"signature")))
        return iter(found)

    # -- claims --
    def claim(self, entry: Entry, signature: bytes | None = None, bands: tuple[int, ...] = ()) -> bool:
        member = _member(entry.id, entry.version)
        with self.atomic():
            if self.redis.exists(_key(f"entry:{member}")):
                return False
            fields = {name: getattr(entry, name) for name in TEXT_FIELDS if getattr(entry, name) is not None}
            fields.update(version=entry.version, pending=1)
            if entry.fingerprint:
                fields["fingerprint"] = entry.fingerprint
            if signature:
                fields["signature"] = signature
            if bands:
                fields["bands"] = _pack_bands(bands)
            with self.redis.pipeline() as transaction:
                transaction.hset(_key(f"entry:{member}"), mapping=fields)
                transaction.zadd(_key(f"versions:{entry.id}"), {member: entry.version})
                transaction.zadd(_key(f"url:{entry.canonical_url}"), {member: entry.version})
                if entry.source_url:
                    transaction.sadd(_key(f"source:{entry.source_url}"), member)
                if entry.fingerprint:
                    transaction.sadd(_key(f"fingerprint:{entry.fingerprint.hex()}"), member)
                for band in bands:
                    transaction.sadd(_key(f"band:{band}"), member)
                transaction.sadd(_key(f"pending:{entry.run}"), member)
                transaction.execute()
        return True

    def _forget(self, transaction, member: str, fields: dict[bytes, bytes]) -> None:
        """Queue the deletion of one entry and its index entries on ``transaction``."""
        entry = self._entry(fields)
        transaction.delete(_key(f"entry:{member}"))
        transaction.zrem(_key(f"versions:{entry.id}"), member)
        transaction.zrem(_key(f"url:{entry.canonical_url}"), member)
        if entry.source_url:
            transaction.srem(_key(f"source:{entry.source_url}"), member)
        if entry.fingerprint:
            transaction.srem(_key(f"fingerprint:{entry.fingerprint.hex()}"), member)
        for band in _unpack_bands(fields.get(b"bands")):
            transaction.srem(_key(f"band:{band}"), member)
        transaction.srem(_key(f"pending:{entry.run}"), member)

    def release(self, article_id: str, version: int, run: str) -> None:
        member = _member(article_id, version)
        with self.atomic():
            fields = self.redis.hgetall(_key(f"entry:{member}"))
            if fields and fields[b"pending"] == b"1" and fields[b"run"].decode() == run:
                with self.redis.pipeline() as transaction:
                    self._forget(transaction, member, fields)
                    transaction.execute()

    def pending(self, run: str) -> set[tuple[str, int]]:
        return {_split(member) for member in self.redis.smembers(_key(f"pending:{run}"))}

    def settle(self, run: str, exported: set[tuple[str, int]] | None = None) -> tuple[int, int]:
        with self.atomic():
            claims = [_split(member) for member in self.redis.smembers(_key(f"pending:{run}"))]
            kept = [claim for claim in claims if exported is None or claim in exported]
            with self.redis.pipeline() as transaction:
                for claim in claims:
                    member = _member(*claim)
                    if claim not in kept:
                        self._forget(transaction, member, self.redis.hgetall(_key(f"entry:{member}")))
                        continue
                    transaction.hset(_key(f"entry:{member}"), "pending", 0)
                    transaction.srem(_key(f"pending:{run}"), member)
                    article_id, version = claim
                    if version > 0:
                        transaction.sadd(_key("exported"), article_id)
                    if version > 1:  # a new version replaces the older ones in the near-duplicate index
                        self._unindex_older(transaction, article_id, version)
                transaction.execute()
        return len(kept), len(claims) - len(kept)

    def _unindex_older(self, transaction, article_id: str, version: int) -> None:
        for member in self.redis.zrangebyscore(_key(f"versions:{article_id}"), "-inf", f"({version}"):
            member = member.decode()
            bands = self.redis.hget(_key(f"entry:{member}"), "bands")
            for band in _unpack_bands(bands):
                transaction.srem(_key(f"band:{band}"), member)
            transaction.hdel(_key(f"entry:{member}"), "bands", "signature")

    # -- runs --
    def start_run(self, run: str) -> None:
        self._runs.add(run)
        self.redis.set(_key(f"alive:{run}"), 1, ex=ALIVE_EXPIRY)  # before the run is visible
        if self._heartbeat is None:
            self._heartbeat = threading.Thread(target=self._beat, name="newsbot-state-heartbeat", daemon=True)
            self._heartbeat.start()
        with self.atomic():
            self.redis.hset(_key("runs"), run, datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def _beat(self) -> None:
        while not self._stop.wait(ALIVE_EXPIRY / 3):
            try:
                for run in list(self._runs):
                    self.redis.set(_key(f"alive:{run}"), 1, ex=ALIVE_EXPIRY)
            except redis.RedisError as error:  # the run's next state operation fails loudly
                logger.warning("State: cannot mark run(s) %s alive in %s: %s", sorted(self._runs), self.url, error)

    def other_runs(self) -> list[tuple[str, bool]]:
        runs = [run.decode() for run in self.redis.hkeys(_key("runs"))]
        return [(run, bool(self.redis.exists(_key(f"alive:{run}")))) for run in runs if run not in self._runs]

    def add_feed(self, run: str, path: str) -> None:
        self.redis.sadd(_key(f"feeds:{run}"), path)

    def feeds(self, run: str) -> list[str]:
        return sorted(path.decode() for path in self.redis.smembers(_key(f"feeds:{run}")))

    def end_run(self, run: str) -> None:
        with self.atomic():
            self.redis.delete(_key(f"feeds:{run}"), _key(f"alive:{run}"))
            self.redis.hdel(_key("runs"), run)
        self._runs.discard(run)

    def close(self) -> None:
        self._stop.set()
        if self._runs:  # still registered: no longer alive, a later run settles them
            self.redis.delete(*(_key(f"alive:{run}") for run in self._runs))
            self._runs.clear()
        self.redis.close()
