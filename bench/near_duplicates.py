"""Cost per article of the duplicate check with 1,000 and with 100,000 articles in the state.

    python bench/near_duplicates.py [--small 1000] [--large 100000] [--probes 400]

Synthetic articles recombine paragraphs of the real RT texts of the offline replica (six
paragraphs each, chosen by a seeded generator). Two SQLite states are filled, with ``--small``
and ``--large`` of them, exported. Then each probe is admitted to both states in turn, as the
dedupe pipeline does for each item: its fingerprint and MinHash computed, then the state's
look-ups (id, URL, source, exact fingerprint, LSH bands) and its claim committed. Half of the
probes are copies of stored articles with a republisher's additions (a "Read more" teaser, a
"Source" line), half are new. Prints the median wall-clock milliseconds per article of the whole
check and of the state's part alone, for both sizes, their ratio (target: at most 1.2, i.e.
flat), the state's size on disk per article, and how many copies were caught. Exits 1 when a
copy is missed, a new article is taken for a copy, or the ratio misses the target.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from newsbot.replica import ReplicaSite, expected_records
from newsbot.state import Entry, Fingerprinter, Ledger, SqliteStore
from newsbot.state.ledger import DUPLICATE_CONTENT, NEAR_DUPLICATE

TARGET_RATIO = 1.2
PARAGRAPHS_PER_ARTICLE = 6  # about 250 words, the length of a short news story


def paragraph_pool() -> list[str]:
    bodies = (record["body"] for record in expected_records(ReplicaSite.from_feed()))
    return sorted({paragraph for body in bodies for paragraph in body.split("\n\n") if len(paragraph.split()) >= 8})


def synthetic(pool: list[str], number: int) -> list[str]:
    return random.Random(number).sample(pool, PARAGRAPHS_PER_ARTICLE)


def url(number: int) -> str:
    return f"https://synthetic.example/news/{number}/"


def filled_state(path: Path, pool: list[str], size: int, fingerprinter: Fingerprinter) -> Ledger:
    """A state as earlier runs leave it after exporting ``size`` articles (filled in one
    transaction and without the checks: the filling is not what is measured)."""
    ledger = Ledger(SqliteStore(path), fingerprinter)
    ledger.start()
    with ledger.store.atomic():
        for number in range(size):
            content = fingerprinter.of("\n\n".join(synthetic(pool, number)))
            entry = Entry(f"bench:{number}", 1, url(number), None, content.exact, None, None, ledger.run, pending=True)
            ledger.store.claim(entry, content.signature, content.bands)
    ledger.finish(output_complete=True)
    ledger.close()  # the last connection's close folds the write-ahead log into the file
    return Ledger(SqliteStore(path), fingerprinter)


def probes(pool: list[str], count: int, stored: int, first_new: int) -> list[tuple[str, str, str | None]]:
    """(id, body, id of the original or None) for ``count`` articles, every other one a copy."""
    chooser = random.Random(-1)
    made = []
    for index in range(count):
        if index % 2:
            original = chooser.randrange(stored)
            paragraphs = synthetic(pool, original)
            teaser = paragraphs[0].split(". ")[0]  # a teaser remnant left in, as republishers do
            body = "\n\n".join([*paragraphs, f"Read more {teaser}", "Source: RT, republished with permission."])
            made.append((f"copy:{index}", body, f"bench:{original}"))
        else:
            number = first_new + index
            made.append((f"bench:{number}", "\n\n".join(synthetic(pool, number)), None))
    return made


def measure(ledger: Ledger, article_id: str, body: str) -> tuple[float, float, object]:
    """Seconds of the whole check and of the state's part alone, and the verdict."""
    started = time.perf_counter()
    candidate = ledger.candidate(article_id, url(hash(article_id)), None, None, body)
    computed = time.perf_counter()
    verdict = ledger.admit(candidate)
    finished = time.perf_counter()
    return finished - started, finished - computed, verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=400)
    args = parser.parse_args(argv)
    pool = paragraph_pool()
    fingerprinter = Fingerprinter()
    print(f"{len(pool)} distinct paragraphs of the replica's RT texts, {PARAGRAPHS_PER_ARTICLE} per synthetic article; "
          f"MinHash {fingerprinter.num_perm} permutations, LSH {fingerprinter.bands} bands x {fingerprinter.rows} rows")
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        states = {}
        for size in (args.small, args.large):
            started = time.perf_counter()
            path = Path(directory) / f"state-{size}.db"
            states[size] = filled_state(path, pool, size, fingerprinter)
            print(f"filled a state with {size:,} articles in {time.perf_counter() - started:.1f} s "
                  f"({path.stat().st_size / size:,.0f} bytes per article on disk)", flush=True)
        for ledger in states.values():
            ledger.start()
        # Copies of articles both states hold; new articles numbered past the larger state.
        samples = {size: [] for size in states}
        for article_id, body, original in probes(pool, args.probes, args.small, args.large):
            for size, ledger in states.items():  # in turn, so that machine noise falls on both alike
                whole, state_part, verdict = measure(ledger, article_id, body)
                samples[size].append((whole, state_part, verdict, original))
        for ledger in states.values():
            ledger.close()
    failures = 0
    for size, measured in samples.items():
        caught = sum(v.reason in (NEAR_DUPLICATE, DUPLICATE_CONTENT) and v.original == o for _, _, v, o in measured if o)
        false = sum(not v.emit for _, _, v, o in measured if o is None)
        copies = sum(1 for *_, o in measured if o)
        whole = statistics.median(m[0] for m in measured) * 1000
        state_part = statistics.median(m[1] for m in measured) * 1000
        results[size] = (whole, state_part)
        print(f"{size:>9,} articles in the state: {whole:.3f} ms per article ({state_part:.3f} ms of it in the "
              f"state); copies caught {caught}/{copies}, new articles taken for copies {false}")
        failures += (copies - caught) + false
    ratio, state_ratio = (results[args.large][i] / results[args.small][i] for i in (0, 1))
    print(f"ratio {args.large:,} / {args.small:,}: {ratio:.2f} per article ({state_ratio:.2f} for the state's part); "
          f"target at most {TARGET_RATIO}")
    return 1 if failures or ratio > TARGET_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
