"""The rules of duplicates and repeat runs, over any ArticleStore.

An incoming article is, in this order: a repeat of one this run already has (same id or
canonical URL); one an earlier run exported (or, with ``refresh``, a new version of it when
its text or ``modified_at`` changed); one another live run has claimed; a republished copy of
a story already seen - named by ``source_url`` (either way round), the same normalised text,
or a near-duplicate text (MinHash LSH) - or else a new article. The first of a story wins.

Crash safety: a run's claims stay pending until its output file is in place; they are then
exported in one transaction. A run that died (killed, crashed) is settled by the next run
from its output: what its committed feed files hold counts as exported, the rest is released
and will be exported again. So over any sequence of runs each article is exported once.
"""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from newsbot.state.fingerprint import ContentPrint, Fingerprinter
from newsbot.state.store import ArticleStore, Entry

# Why an article is not emitted as a new one (newsbot/dropped/<reason> when it is dropped).
DUPLICATE_ID, DUPLICATE_URL = "duplicate_id", "duplicate_url"  # twice in this run
ALREADY_EXPORTED = "already_exported"  # by an earlier run
CLAIMED_BY_OTHER_RUN = "claimed_by_other_run"  # a run going on at the same time has it
DUPLICATE_SOURCE, DUPLICATE_CONTENT, NEAR_DUPLICATE = "duplicate_source", "duplicate_content", "near_duplicate"
KNOWN_COPY = "known_copy"  # dropped as a copy by an earlier run
UNCHANGED = "unchanged"  # refresh: same text and modified_at as the version exported
REFRESHED = "refreshed"  # refresh: emitted as a new version
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Candidate:
    """What the ledger needs to know of an article to place it."""

    id: str
    canonical_url: str
    source_url: str | None  # canonical, for republished copies
    modified_at: str | None
    content: ContentPrint


@dataclass(frozen=True)
class Verdict:
    emit: bool
    reason: str | None = None  # why it is dropped; for emitted ones: refreshed or which kind of copy
    original: str | None = None  # id of the article it repeats or copies
    version: int = 1
    similarity: float | None = None

    @property
    def duplicate_of(self) -> str | None:
        """For an emitted article: the original it copies (kept copies and their new versions)."""
        return self.original if self.emit else None


@dataclass(frozen=True)
class Settlement:
    run: str
    exported: int
    released: int


class Ledger:
    """One run's view of the state: which articles to fetch and which to emit."""

    def __init__(self, store: ArticleStore, fingerprinter: Fingerprinter | None = None, run: str | None = None,
                 *, refresh: bool = False, keep_duplicates: bool = False):
        self.store = store
        self.fingerprinter = fingerprinter or Fingerprinter()
        self.run = run or uuid.uuid4().hex
        self.refresh = refresh
        self.keep_duplicates = keep_duplicates
        store.use_parameters(self.fingerprinter.parameters)

    def start(self) -> list[Settlement]:
        """Register this run and settle the runs that died before finishing."""
        self.store.start_run(self.run)
        return [self._settle_from_feeds(run) for run, alive in self.store.other_runs() if not alive]

    def candidate(self, article_id: str, canonical_url: str, source_url: str | None, modified_at: str | None,
                  body: str) -> Candidate:
        return Candidate(article_id, canonical_url, source_url, modified_at, self.fingerprinter.of(body))

    def skip_reason(self, canonical_url: str) -> str | None:
        """Why the article at ``canonical_url`` need not be fetched in this run, or None."""
        entry = self.store.by_url(canonical_url)
        if entry is None or entry.run == self.run:
            return None
        if entry.pending:
            return CLAIMED_BY_OTHER_RUN
        if self.refresh:
            return None
        return ALREADY_EXPORTED if entry.version else KNOWN_COPY

    def admit(self, candidate: Candidate) -> Verdict:
        """Decide on ``candidate`` and, when it is emitted (or dropped as a copy), claim it for
        this run: one transaction, so concurrent runs never both emit it."""
        with self.store.atomic():
            verdict, entry = self._decide(candidate)
            if entry is not None:
                content = candidate.content
                # Only originals go into the near-duplicate index: a copy leads to its original anyway.
                indexed = entry.version and not entry.duplicate_of and content.comparable
                signature, bands = (content.signature, content.bands) if indexed else (None, ())
                if not self.store.claim(entry, signature, bands):
                    return Verdict(False, CLAIMED_BY_OTHER_RUN, entry.id)
        return verdict

    def _decide(self, c: Candidate) -> tuple[Verdict, Entry | None]:
        known, reason = self.store.latest(c.id), DUPLICATE_ID
        if known is None:
            known, reason = self.store.by_url(c.canonical_url), DUPLICATE_URL
        if known is not None and (known.pending or known.version):
            if known.pending:
                return Verdict(False, reason if known.run == self.run else CLAIMED_BY_OTHER_RUN, known.original), None
            if not self.refresh:
                return Verdict(False, ALREADY_EXPORTED, known.original), None
            if known.id != c.id:  # its URL is another article's
                return Verdict(False, DUPLICATE_URL, known.original), None
            if (known.fingerprint, known.modified_at) == (c.content.exact, c.modified_at):
                return Verdict(False, UNCHANGED, known.id, known.version), None
            version = known.version + 1
            verdict = Verdict(True, REFRESHED, known.duplicate_of, version)
            return verdict, self._entry(c, version, known.duplicate_of)
        # New, or seen before only as a dropped copy (version 0): is it a copy of a known story?
        found = self._original_of(c)
        if found is None:
            return Verdict(True), self._entry(c, 1)
        reason, original, similarity = found
        if self.keep_duplicates:
            return Verdict(True, reason, original, 1, similarity), self._entry(c, 1, original)
        marker = self._entry(c, 0, original) if known is None else None  # so later runs need not fetch it
        return Verdict(False, reason, original, 0, similarity), marker

    def _original_of(self, c: Candidate) -> tuple[str, str, float | None] | None:
        """(reason, original id, similarity) when ``c`` repeats a story already seen."""
        if c.source_url and c.source_url != c.canonical_url and (entry := self.store.by_url(c.source_url)):
            return DUPLICATE_SOURCE, entry.original, None
        copy = self.store.by_source(c.canonical_url)  # a copy of this article came first
        if copy is not None and copy.id != c.id:
            return DUPLICATE_SOURCE, copy.original, None
        if not c.content.comparable:
            return None
        entry = self.store.by_fingerprint(c.content.exact)
        if entry is not None and entry.original != c.id:
            return DUPLICATE_CONTENT, entry.original, 1.0
        similar = [(self.fingerprinter.similarity(c.content.signature, signature), entry.original)
                   for entry, signature in self.store.near(c.content.bands) if entry.original != c.id]
        if similar and (best := max(similar))[0] >= self.fingerprinter.threshold:
            return NEAR_DUPLICATE, best[1], best[0]
        return None

    def _entry(self, c: Candidate, version: int, duplicate_of: str | None = None) -> Entry:
        return Entry(c.id, version, c.canonical_url, c.source_url, c.content.exact, c.modified_at, duplicate_of,
                     self.run, pending=True)

    def withdraw(self, article_id: str, version: int) -> None:
        """An emitted article did not reach the output after all (dropped further on)."""
        self.store.release(article_id, version, self.run)

    def add_feed(self, path: str) -> None:
        self.store.add_feed(self.run, path)

    def finish(self, output_complete: bool, *, verify_feeds: bool = False) -> Settlement:
        """Settle this run: everything claimed is exported when the output is complete (with
        ``verify_feeds``: what its feed files hold, read back); else only what they hold."""
        if output_complete and not verify_feeds:
            exported, released = self.store.settle(self.run)
            self.store.end_run(self.run)
            return Settlement(self.run, exported, released)
        return self._settle_from_feeds(self.run, markers_stand=output_complete)

    def _settle_from_feeds(self, run: str, markers_stand: bool = False) -> Settlement:
        claims = self.store.pending(run)
        emitted = claims & exported_in(self.store.feeds(run))
        # A run's dropped-copy markers stand when its output does.
        markers = {claim for claim in claims if claim[1] == 0} if emitted or markers_stand else set()
        exported, released = self.store.settle(run, emitted | markers)
        self.store.end_run(run)
        return Settlement(run, exported, released)

    def close(self) -> None:
        self.store.close()


def exported_in(paths: list[str]) -> set[tuple[str, int]]:
    """(id, version) of every record in the JSON-lines files (plain or gzip) among ``paths`` that exist."""
    found = set()
    for path in map(Path, paths):
        if not path.is_file():
            continue
        with path.open("rb") as file:
            opener = gzip.open if file.read(2) == GZIP_MAGIC else open
        try:
            with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    try:
                        record = json.loads(line)
                        found.add((record["id"], record.get("version", 1)))
                    except (ValueError, KeyError, TypeError):
                        continue  # not a record of ours: it cannot prove an export
        except (OSError, EOFError):
            continue  # a damaged file proves what was read before the damage
    return found
