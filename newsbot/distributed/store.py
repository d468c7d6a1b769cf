"""The state store in Redis: what SqliteStore keeps in one file, shared by workers on many machines.

No lock: a decision is optimistic, in two server-side scripts. ``atomic(candidate)`` runs
READ_SCRIPT: every look-up the ledger makes for that candidate (its id, URLs, text fingerprint,
LSH bands, with the entries they name) in one round trip, with the change counters of the index
keys it read. The claim is CLAIM_SCRIPT, which writes the entry and its index entries only when
those counters are unchanged - else another run wrote one of those keys meanwhile, and the
ledger decides again (ClaimConflict). Counters are kept per bucket of keys (a CRC-32 of the key
name, CHANGE_BUCKETS of them in one hash): runs claiming unrelated articles do not conflict. So the ledger's rules hold as with SQLite, without a lock or a wait, in
two round trips per article. Settlements WATCH the run's pending set. A run is alive while its
process refreshes a key with a short expiry (a thread, not the reactor): a worker killed by
SIGKILL stops refreshing and is known dead a few seconds later. State keys never expire.

Every call blocks on the network: the state extension makes them from its own thread, never
from the reactor's. (The scripts read entry keys they derive themselves: one Redis, not a Cluster.)
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

import redis
from redis.exceptions import WatchError

from newsbot.state.store import (SCHEMA_VERSION, ArticleStore, ClaimConflict, Entry, StateError, check_parameters,
                                 pack_bands, unpack_bands)

logger = logging.getLogger("newsbot.state")
PREFIX = "newsbot:state:"
ALIVE_EXPIRY = 15  # seconds a run counts as alive after its last heartbeat
TEXT_FIELDS = ("id", "canonical_url", "source_url", "modified_at", "duplicate_of", "run")
CHANGE_BUCKETS = 4096  # change counters of the index keys, by CRC-32 of the key name
# KEYS: changes hash, versions:<id>, url:<canonical>, url:<source>, source:<canonical>,
# fingerprint:<hex>, band:<key>...; ARGV: the key prefix, then the bucket of each of those index
# keys. Returns the buckets' counters, then the entries (flat HGETALL arrays).
READ_SCRIPT = """
local function entry(member)
  if not member then return false end
  return redis.call('HGETALL', ARGV[1] .. 'entry:' .. member)
end
local function first(key) return entry(redis.call('ZREVRANGE', key, 0, 0)[1]) end
local near = {}
if #KEYS > 6 then
  for i, member in ipairs(redis.call('SUNION', unpack(KEYS, 7))) do near[i] = entry(member) end
end
return {redis.call('HMGET', KEYS[1], unpack(ARGV, 2)), first(KEYS[2]), first(KEYS[3]), first(KEYS[4]),
        entry(redis.call('SRANDMEMBER', KEYS[5])), entry(redis.call('SRANDMEMBER', KEYS[6])), near}
"""
# KEYS: changes hash, entry, versions:<id>, url:<canonical>, pending:<run>, then the sets the
# member joins (source, fingerprint, bands). ARGV: n, the n buckets the decision read and their
# counters then, member, version, m, the m buckets of the keys written, the entry's fields and
# values. Returns 1 claimed, 0 taken (that id and version), -1 a counter moved (decide again).
CLAIM_SCRIPT = """
local n = tonumber(ARGV[1])
if n > 0 then
  local now = redis.call('HMGET', KEYS[1], unpack(ARGV, 2, n + 1))
  for i = 1, n do
    if (now[i] or '') ~= ARGV[n + 1 + i] then return -1 end
  end
end
local member, version, m = ARGV[2 * n + 2], ARGV[2 * n + 3], tonumber(ARGV[2 * n + 4])
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 2 * n + 5 + m))
redis.call('ZADD', KEYS[3], version, member)
redis.call('ZADD', KEYS[4], version, member)
redis.call('SADD', KEYS[5], member)
for i = 6, #KEYS do redis.call('SADD', KEYS[i], member) end
for i = 1, m do redis.call('HINCRBY', KEYS[1], ARGV[2 * n + 4 + i], 1) end
return 1
"""


def _key(name: str) -> str:
    return PREFIX + name


CHANGES = _key("changes")  # bucket -> writes to the index keys in it: a decision stands while they stay


def _bucket(key: str) -> int:
    return zlib.crc32(key.encode()) % CHANGE_BUCKETS


def _member(article_id: str, version: int) -> str:
    return f"{article_id}\x1f{version}"


def _split(member: bytes | str) -> tuple[str, int]:
    article_id, _, version = (member.decode() if isinstance(member, bytes) else member).partition("\x1f")
    return article_id, int(version)


def _entry_key(member: bytes | str) -> str:
    return _key(f"entry:{_member(*_split(member))}")


def _fields(flat: list | None) -> dict[bytes, bytes]:
    """An HGETALL answer from a script (a flat list) as a dict."""
    return dict(zip(flat[::2], flat[1::2])) if flat else {}


@dataclass(frozen=True)
class Decision:
    """READ_SCRIPT's answer for one candidate: every entry the ledger's rules look at."""

    candidate: object  # newsbot.state.ledger.Candidate
    buckets: list[int]  # of the index keys read
    counters: list[str]  # their change counters then ("" never changed)
    latest: Entry | None
    by_url: Entry | None
    by_source_url: Entry | None
    by_source: Entry | None
    by_fingerprint: Entry | None
    near: list[tuple[Entry, bytes]]


class RedisStore(ArticleStore):
    """The state in the Redis at ``url`` (``redis://host:port/db``), under keys ``newsbot:state:*``."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.redis = redis.Redis.from_url(url)
            self.redis.ping()
        except (redis.RedisError, ValueError) as error:
            raise StateError(f"cannot open the state {url}: {error}") from error
        self._read = self.redis.register_script(READ_SCRIPT)
        self._claim = self.redis.register_script(CLAIM_SCRIPT)
        self._decision: Decision | None = None  # what READ_SCRIPT found for the candidate being decided
        self._runs: set[str] = set()  # the runs this process keeps alive
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    @contextmanager
    def atomic(self, candidate=None) -> Iterator[None]:
        if self._decision is not None or candidate is None:
            yield
            return
        self._decision = self._look_up(candidate)
        try:
            yield
        finally:
            self._decision = None

    def _look_up(self, candidate) -> Decision:
        content = candidate.content
        keys = [CHANGES, _key(f"versions:{candidate.id}"), _key(f"url:{candidate.canonical_url}"),
                _key(f"url:{candidate.source_url}") if candidate.source_url else _key("url:"),
                _key(f"source:{candidate.canonical_url}"), _key(f"fingerprint:{content.exact.hex()}"),
                *(_key(f"band:{band}") for band in content.bands)]
        buckets = [_bucket(key) for key in keys[1:]]
        counters, latest, by_url, by_source_url, by_source, by_fingerprint, near = self._read(
            keys=keys, args=[PREFIX, *buckets])
        entry = lambda flat: self._entry(_fields(flat)) if flat else None  # noqa: E731
        return Decision(candidate, buckets, [counter.decode() if counter else "" for counter in counters],
                        entry(latest), entry(by_url), entry(by_source_url),
                        entry(by_source), entry(by_fingerprint),
                        [(self._entry(fields), fields.get(b"signature")) for fields in map(_fields, near) if fields])

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

    # -- look-ups: from the decision's one read where they are about its candidate --
    def latest(self, article_id: str) -> Entry | None:
        decision = self._decision
        if decision and article_id == decision.candidate.id:
            return decision.latest
        return self._first(f"versions:{article_id}")

    def by_url(self, canonical_url: str) -> Entry | None:
        decision = self._decision
        if decision and canonical_url == decision.candidate.canonical_url:
            return decision.by_url
        if decision and canonical_url == decision.candidate.source_url:
            return decision.by_source_url
        return self._first(f"url:{canonical_url}")

    def by_source(self, canonical_url: str) -> Entry | None:
        decision = self._decision
        if decision and canonical_url == decision.candidate.canonical_url:
            return decision.by_source
        return self._any(f"source:{canonical_url}")

    def by_fingerprint(self, fingerprint: bytes) -> Entry | None:
        decision = self._decision
        if decision and fingerprint == decision.candidate.content.exact:
            return decision.by_fingerprint
        return self._any(f"fingerprint:{fingerprint.hex()}")

    def near(self, bands: tuple[int, ...]) -> Iterator[tuple[Entry, bytes]]:
        decision = self._decision
        if decision and bands == decision.candidate.content.bands:
            return iter(decision.near)
        members = list(self.redis.sunion([_key(f"band:{band}") for band in bands])) if bands else []
        return iter([(self._entry(fields), fields.get(b"signature"))
                     for fields in self._fields_of(members) if fields])

    # -- claims --
    def claim(self, entry: Entry, signature: bytes | None = None, bands: tuple[int, ...] = ()) -> bool:
        member = _member(entry.id, entry.version)
        fields = {name: getattr(entry, name) for name in TEXT_FIELDS if getattr(entry, name) is not None}
        fields.update(version=entry.version, pending=1)
        if entry.fingerprint:
            fields["fingerprint"] = entry.fingerprint
        if signature:
            fields["signature"] = signature
        if bands:
            fields["bands"] = pack_bands(bands)
        joins = [_key(f"source:{entry.source_url}")] if entry.source_url else []
        if entry.fingerprint:
            joins.append(_key(f"fingerprint:{entry.fingerprint.hex()}"))
        joins += [_key(f"band:{band}") for band in bands]
        keys = [CHANGES, _key(f"entry:{member}"), _key(f"versions:{entry.id}"), _key(f"url:{entry.canonical_url}"),
                _key(f"pending:{entry.run}"), *joins]
        decision = self._decision  # outside a decision: only a taken id and version refuse the claim
        checked = [*decision.buckets, *decision.counters] if decision else []
        written = [_bucket(key) for key in keys[2:4] + keys[5:]]
        claimed = self._claim(keys=keys, args=[len(checked) // 2, *checked, member, entry.version, len(written),
                                               *written, *(part for pair in fields.items() for part in pair)])
        if claimed == -1:
            raise ClaimConflict(member)
        return claimed == 1

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
        self._changed(transaction, [_key(f"versions:{entry.id}"), _key(f"url:{entry.canonical_url}"),
                                    *([_key(f"source:{entry.source_url}")] if entry.source_url else []),
                                    *([_key(f"fingerprint:{entry.fingerprint.hex()}")] if entry.fingerprint else []),
                                    *(_key(f"band:{band}") for band in unpack_bands(fields.get(b"bands")))])

    @staticmethod
    def _changed(transaction, keys: list[str]) -> None:
        """Queue the change counters of ``keys`` up: decisions that read them are decided again."""
        for key in keys:
            transaction.hincrby(CHANGES, _bucket(key), 1)

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
                    bands = [_key(f"band:{band}") for band in unpack_bands(packed)]
                    for band in bands:
                        watching.srem(band, member)
                    self._changed(watching, bands)
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
