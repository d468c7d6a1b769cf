"""The state store in Redis: what SqliteStore keeps in one file, shared by workers on many machines.

No lock: a decision is optimistic. ``atomic(candidate)`` WATCHes the index keys the ledger's
look-ups for that candidate read (its id, URLs, text fingerprint, LSH bands); the claim goes out
as one MULTI/EXEC transaction, which Redis refuses when another run wrote any of those keys
meanwhile (ClaimConflict: the ledger decides again). Settlements WATCH the run's pending set.
So the ledger's rules hold as with SQLite, without a global lock or a wait. A run is alive while
its process refreshes a key with a short expiry (a thread, not the reactor): a worker killed by
SIGKILL stops refreshing and is known dead a few seconds later. State keys never expire.

Every call blocks on the network: the state extension makes them from its own thread, never
from the reactor's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import redis
from redis.exceptions import WatchError

from newsbot.state.store import (SCHEMA_VERSION, ArticleStore, ClaimConflict, Entry, StateError, check_parameters,
                                 pack_bands, unpack_bands)

logger = logging.getLogger("newsbot.state")
PREFIX = "newsbot:state:"
ALIVE_EXPIRY = 15  # seconds a run counts as alive after its last heartbeat
TEXT_FIELDS = ("id", "canonical_url", "source_url", "modified_at", "duplicate_of", "run")


def _key(name: str) -> str:
    return PREFIX + name


def _member(article_id: str, version: int) -> str:
    return f"{article_id}\x1f{version}"


def _split(member: bytes | str) -> tuple[str, int]:
    article_id, _, version = (member.decode() if isinstance(member, bytes) else member).partition("\x1f")
    return article_id, int(version)


def _entry_key(member: bytes | str) -> str:
    return _key(f"entry:{_member(*_split(member))}")


class RedisStore(ArticleStore):
    """The state in the Redis at ``url`` (``redis://host:port/db``), under keys ``newsbot:state:*``."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.redis = redis.Redis.from_url(url)
            self.redis.ping()
        except (redis.RedisError, ValueError) as error:
            raise StateError(f"cannot open the state {url}: {error}") from error
        self._watching = None  # the WATCHing pipeline of the atomic block under way
        self._runs: set[str] = set()  # the runs this process keeps alive
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    @contextmanager
    def atomic(self, candidate=None) -> Iterator[None]:
        if self._watching is not None:
            yield
            return
        with self.redis.pipeline() as watching:
            if candidate is not None:
                watching.watch(*self._read_keys(candidate))
            self._watching = watching
            try:
                yield
            finally:
                self._watching = None

    @staticmethod
    def _read_keys(candidate) -> list[str]:
        """The keys the ledger's look-ups for ``candidate`` read (Ledger._decide)."""
        keys = [_key(f"versions:{candidate.id}"), _key(f"url:{candidate.canonical_url}"),
                _key(f"source:{candidate.canonical_url}"), _key(f"fingerprint:{candidate.content.exact.hex()}")]
        if candidate.source_url:
            keys.append(_key(f"url:{candidate.source_url}"))
        return keys + [_key(f"band:{band}") for band in candidate.content.bands]

    # -- entries --
    def _load(self, member: bytes | str | None) -> Entry | None:
        if member is None:
            return None
        fields = self.redis.hgetall(_entry_key(member))
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
        return self._load(self.redis.srandmember(_key(index)))

    def _fields_of(self, members) -> list[dict[bytes, bytes]]:
        """The stored fields of each member's entry, in one round trip."""
        reads = self.redis.pipeline(transaction=False)
        for member in members:
            reads.hgetall(_entry_key(member))
        return reads.execute() if members else []

    # -- parameters and counts --
    def use_parameters(self, parameters: dict[str, str]) -> None:
        wanted = {"schema": SCHEMA_VERSION, **parameters}
        with self.redis.pipeline() as transaction:
            transaction.watch(_key("meta"))
            stored = {name.decode(): value.decode() for name, value in transaction.hgetall(_key("meta")).items()}
            if not stored:
                transaction.multi()
                transaction.hset(_key("meta"), mapping=wanted)
                try:
                    transaction.execute()
                    return
                except WatchError:  # another worker set them first: compare with those
                    stored = {name.decode(): value.decode() for name, value in self.redis.hgetall(_key("meta")).items()}
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
        members = list(self.redis.sunion([_key(f"band:{band}") for band in bands])) if bands else []
        return iter([(self._entry(fields), fields.get(b"signature"))
                     for fields in self._fields_of(members) if fields])

    # -- claims --
    def claim(self, entry: Entry, signature: bytes | None = None, bands: tuple[int, ...] = ()) -> bool:
        if self._watching is not None:
            return self._claim(self._watching, entry, signature, bands)
        with self.redis.pipeline() as watching:
            try:
                return self._claim(watching, entry, signature, bands)
            except ClaimConflict:  # its entry was written meanwhile: taken
                return False

    def _claim(self, watching, entry: Entry, signature: bytes | None, bands: tuple[int, ...]) -> bool:
        member = _member(entry.id, entry.version)
        watching.watch(_key(f"entry:{member}"))
        if watching.exists(_key(f"entry:{member}")):
            return False
        fields = {name: getattr(entry, name) for name in TEXT_FIELDS if getattr(entry, name) is not None}
        fields.update(version=entry.version, pending=1)
        if entry.fingerprint:
            fields["fingerprint"] = entry.fingerprint
        if signature:
            fields["signature"] = signature
        if bands:
            fields["bands"] = pack_bands(bands)
        watching.multi()
        watching.hset(_key(f"entry:{member}"), mapping=fields)
        watching.zadd(_key(f"versions:{entry.id}"), {member: entry.version})
        watching.zadd(_key(f"url:{entry.canonical_url}"), {member: entry.version})
        if entry.source_url:
            watching.sadd(_key(f"source:{entry.source_url}"), member)
        if entry.fingerprint:
            watching.sadd(_key(f"fingerprint:{entry.fingerprint.hex()}"), member)
        for band in bands:
            watching.sadd(_key(f"band:{band}"), member)
        watching.sadd(_key(f"pending:{entry.run}"), member)
        try:
            watching.execute()
        except WatchError as conflict:
            raise ClaimConflict(member) from conflict
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
        for band in unpack_bands(fields.get(b"bands")):
            transaction.srem(_key(f"band:{band}"), member)
        transaction.srem(_key(f"pending:{entry.run}"), member)

    def release(self, article_id: str, version: int, run: str) -> None:
        member = _member(article_id, version)
        fields = self.redis.hgetall(_key(f"entry:{member}"))  # a pending claim only its own run changes
        if fields and fields[b"pending"] == b"1" and fields[b"run"].decode() == run:
            with self.redis.pipeline() as transaction:
                self._forget(transaction, member, fields)
                transaction.execute()

    def pending(self, run: str) -> set[tuple[str, int]]:
        return {_split(member) for member in self.redis.smembers(_key(f"pending:{run}"))}

    def settle(self, run: str, exported: set[tuple[str, int]] | None = None) -> tuple[int, int]:
        """One transaction over the run's pending set, watched: two workers settling one dead
        run settle it once."""
        with self.redis.pipeline() as watching:
            while True:
                watching.watch(_key(f"pending:{run}"))
                claims = [_split(member) for member in watching.smembers(_key(f"pending:{run}"))]
                kept = [claim for claim in claims if exported is None or claim in exported]
                dropped = [_member(*claim) for claim in claims if claim not in kept]
                older = self._older_versions([claim for claim in kept if claim[1] > 1])
                watching.multi()
                for member, fields in zip(dropped, self._fields_of(dropped)):
                    if fields:
                        self._forget(watching, member, fields)
                for article_id, version in kept:
                    member = _member(article_id, version)
                    watching.hset(_key(f"entry:{member}"), "pending", 0)
                    watching.srem(_key(f"pending:{run}"), member)
                    if version > 0:
                        watching.sadd(_key("exported"), article_id)
                for member, packed in older:  # a new version replaces the older ones in the near-duplicate index
                    for band in unpack_bands(packed):
                        watching.srem(_key(f"band:{band}"), member)
                    watching.hdel(_key(f"entry:{member}"), "bands", "signature")
                try:
                    watching.execute()
                except WatchError:
                    continue
                return len(kept), len(dropped)

    def _older_versions(self, claims: list[tuple[str, int]]) -> list[tuple[str, bytes | None]]:
        """(member, packed bands) of every version older than each claim."""
        members = []
        for article_id, version in claims:
            members += [member.decode() for member in
                        self.redis.zrangebyscore(_key(f"versions:{article_id}"), "-inf", f"({version}")]
        return [(member, fields.get(b"bands")) for member, fields in zip(members, self._fields_of(members))]

    # -- runs --
    def start_run(self, run: str) -> None:
        self._runs.add(run)
        self.redis.set(_key(f"alive:{run}"), 1, ex=ALIVE_EXPIRY)  # before the run is visible
        if self._heartbeat is None:
            self._heartbeat = threading.Thread(target=self._beat, name="newsbot-state-heartbeat", daemon=True)
            self._heartbeat.start()
        self.redis.hset(_key("runs"), run, datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def _beat(self) -> None:
        while not self._stop.wait(ALIVE_EXPIRY / 3):
            try:
                for run in list(self._runs):
                    self.redis.set(_key(f"alive:{run}"), 1, ex=ALIVE_EXPIRY)
            except redis.RedisError as error:  # the run's next state operation fails loudly
                logger.warning("State: cannot mark run(s) %s alive in %s: %s", sorted(self._runs), self.url, error)

    def other_runs(self) -> list[tuple[str, bool]]:
        runs = [run.decode() for run in self.redis.hkeys(_key("runs")) if run.decode() not in self._runs]
        reads = self.redis.pipeline(transaction=False)
        for run in runs:
            reads.exists(_key(f"alive:{run}"))
        return list(zip(runs, map(bool, reads.execute()))) if runs else []

    def add_feed(self, run: str, path: str) -> None:
        self.redis.sadd(_key(f"feeds:{run}"), path)

    def feeds(self, run: str) -> list[str]:
        return sorted(path.decode() for path in self.redis.smembers(_key(f"feeds:{run}")))

    def end_run(self, run: str) -> None:
        with self.redis.pipeline() as transaction:
            transaction.delete(_key(f"feeds:{run}"), _key(f"alive:{run}"))
            transaction.hdel(_key("runs"), run)
            transaction.execute()
        self._runs.discard(run)

    def close(self) -> None:
        self._stop.set()
        if self._runs:  # still registered: no longer alive, a later run settles them
            self.redis.delete(*(_key(f"alive:{run}") for run in self._runs))
            self._runs.clear()
        self.redis.close()
