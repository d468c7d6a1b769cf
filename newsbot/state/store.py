"""The interface of a state store: what was exported, what is claimed, and the content index.

A store keeps one entry per exported article version. A run first *claims* an entry
(``pending``), and the claim is *settled* when the run's output is in place: promoted to
exported, or released. Stores differ in where they keep this (SQLite for one machine; a
Redis store can implement the same methods for distributed runs) but not in what it means:
the rules live in ``newsbot.state.ledger``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from newsbot.state.ledger import Candidate

SCHEMA_VERSION = "1"  # of what a store keeps; stored with the fingerprint parameters
BAND_BYTES = 8


class StateError(Exception):
    """The state cannot be used as asked (wrong parameters, unreadable file, ...)."""


class ClaimConflict(Exception):
    """Another run changed what a decision was based on before it was claimed: decide again."""


def open_store(location: str | None, backends: dict[str, str]) -> ArticleStore:
    """The state store at ``location``: the class ``backends`` names for its URL scheme (e.g.
    ``{"redis://": "newsbot.distributed.store.RedisStore"}``, loaded only when used), else a
    SQLite file (None: a temporary one)."""
    for prefix, store_class in backends.items():
        if location and location.startswith(prefix):
            return load_object(store_class)(location)
    from newsbot.state.sqlite import SqliteStore

    return SqliteStore(location)


def pack_bands(bands: tuple[int, ...]) -> bytes:
    """LSH band keys (signed 64-bit) as one value, as every store keeps them beside an entry."""
    return b"".join(band.to_bytes(BAND_BYTES, "big", signed=True) for band in bands)


def unpack_bands(blob: bytes | None) -> list[int]:
    blob = blob or b""
    return [int.from_bytes(blob[i:i + BAND_BYTES], "big", signed=True) for i in range(0, len(blob), BAND_BYTES)]


def check_parameters(stored: dict[str, str], wanted: dict[str, str], where: str, remedy: str) -> None:
    """A state is tied to the fingerprint parameters it was built with: refuse any other."""
    if stored != wanted:
        changed = sorted(name for name in wanted.keys() | stored.keys() if wanted.get(name) != stored.get(name))
        raise StateError(f"the state {where} was built with other fingerprint parameters ({', '.join(changed)}): {remedy}")


@dataclass(frozen=True)
class Entry:
    """One article version the state knows."""

    id: str
    version: int  # 1 for the first export; 0: seen, dropped as a duplicate of ``duplicate_of``
    canonical_url: str
    source_url: str | None
    fingerprint: bytes | None
    modified_at: str | None
    duplicate_of: str | None
    run: str  # the run that claimed it
    pending: bool  # claimed by ``run`` and not yet settled

    @property
    def original(self) -> str:
        """The id of the story's original: this article, or the one it duplicates."""
        return self.duplicate_of or self.id


class ArticleStore(ABC):
    """Storage of entries, their content index and the runs that claim them."""

    @abstractmethod
    def use_parameters(self, parameters: dict[str, str]) -> None:
        """Record the fingerprint parameters of a new state; raise StateError when an existing
        state was built with others (its signatures could not be compared)."""

    @abstractmethod
    def exported_count(self) -> int:
        """How many articles earlier runs exported."""

    @abstractmethod
    def atomic(self, candidate: Candidate | None = None) -> AbstractContextManager[None]:
        """A block in which look-ups and claims are serialised against every other run. A store
        may run it optimistically (the look-ups of ``candidate``'s id, URLs, text and bands
        watched) and raise ClaimConflict at its claim when another run changed them meanwhile."""

    # -- look-ups: the newest matching version, pending or exported --
    @abstractmethod
    def latest(self, article_id: str) -> Entry | None: ...

    @abstractmethod
    def by_url(self, canonical_url: str) -> Entry | None: ...

    @abstractmethod
    def by_source(self, canonical_url: str) -> Entry | None:
        """An entry that names ``canonical_url`` as its ``source_url`` (a copy seen before its original)."""

    @abstractmethod
    def by_fingerprint(self, fingerprint: bytes) -> Entry | None: ...

    @abstractmethod
    def near(self, bands: tuple[int, ...]) -> Iterator[tuple[Entry, bytes]]:
        """Original entries sharing at least one LSH band key, with their signatures."""

    # -- claims --
    @abstractmethod
    def claim(self, entry: Entry, signature: bytes | None = None, bands: tuple[int, ...] = ()) -> bool:
        """Record ``entry`` (pending, for ``entry.run``); False when that id and version is taken.
        Signature and bands index it for near-duplicate look-ups."""

    @abstractmethod
    def release(self, article_id: str, version: int, run: str) -> None:
        """Forget one pending claim of ``run`` (its item never reached the output)."""

    @abstractmethod
    def pending(self, run: str) -> set[tuple[str, int]]:
        """(id, version) of every claim ``run`` has not settled."""

    @abstractmethod
    def settle(self, run: str, exported: set[tuple[str, int]] | None = None) -> tuple[int, int]:
        """End ``run``'s claims: those in ``exported`` (all when None) become exported, the
        others are released. Returns how many were (exported, released)."""

    # -- runs --
    @abstractmethod
    def start_run(self, run: str) -> None:
        """Register ``run`` as alive for as long as this process holds the store open."""

    @abstractmethod
    def other_runs(self) -> list[tuple[str, bool]]:
        """Every other registered run, with whether it is still alive."""

    @abstractmethod
    def add_feed(self, run: str, path: str) -> None:
        """A local output file of ``run``: its presence tells whether the run's claims were exported."""

    @abstractmethod
    def feeds(self, run: str) -> list[str]: ...

    @abstractmethod
    def end_run(self, run: str) -> None: ...

    @abstractmethod
    def close(self) -> None: ...
