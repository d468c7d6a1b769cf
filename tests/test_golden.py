"""Golden files: real saved pages in, expected records out, for every site module.

tests/sites/<site>/<name>.html[.gz] with <name>.url (the page's URL), <name>.json (the record)
and <name>.expect (lines written by hand, not by the code under test: "+ field: text" the field
must contain, "- field: text" it must not). Regenerate the JSON after a deliberate change with
NEWSBOT_REGEN_GOLDEN=1, then review the diff; the .expect lines are never regenerated.
Golden pages are real pages (benchmark development pages, RT's real feed markup, the reference's
snippet), never renders of the project's own replica: the replica and the selectors were written
together, so a render would pass by construction."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest

from newsbot.cli import extract_file
from newsbot.record import schema_errors

SITES = Path(__file__).parent / "sites"
PAGES = sorted(path for path in SITES.glob("*/*") if path.name.endswith((".html", ".html.gz")))
VOLATILE = ("fetched_at", "fetched_from", "archived_at")  # how and when the page was had, not what it says


def _stem(page: Path) -> Path:
    return page.with_name(page.name.removesuffix(".gz").removesuffix(".html"))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: f"{page.parent.name}/{page.name}")
def test_golden(page):
    stem = _stem(page)
    url = stem.with_suffix(".url").read_text("utf-8").strip()
    record = extract_file(page, url)
    for name in VOLATILE:
        record.pop(name)
    expected_path = stem.with_suffix(".json")
    if os.environ.get("NEWSBOT_REGEN_GOLDEN"):
        expected_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", "utf-8")
        pytest.skip(f"wrote {expected_path.name}: review it")
    assert expected_path.exists(), f"no {expected_path.name}: run with NEWSBOT_REGEN_GOLDEN=1 and review it"
    assert record == json.loads(expected_path.read_text("utf-8"))
    assert schema_errors({**record, "fetched_at": "2024-01-01T00:00:00+00:00", "fetched_from": "live",
                          "archived_at": None}) == []


def _expectations(stem: Path) -> list[tuple[bool, str, str]]:
    """(must contain, field, text) of each line of ``stem``.expect."""
    lines = []
    for line in stem.with_suffix(".expect").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            sign, rest = line[:1], line[1:].strip()
            field, _, text = rest.partition(": ")
            assert sign in "+-" and field and text, f"bad line in {stem.name}.expect: {line!r}"
            lines.append((sign == "+", field, text))
    return lines


@pytest.mark.parametrize("page", PAGES, ids=lambda page: f"{page.parent.name}/{page.name}")
def test_hand_written_expectations(page):
    stem = _stem(page)
    assert stem.with_suffix(".expect").exists(), f"{stem.name}.expect: write must-contain / must-not-contain lines"
    expectations = _expectations(stem)
    assert any(must for must, *_ in expectations) and not all(must for must, *_ in expectations)
    record = extract_file(page, stem.with_suffix(".url").read_text("utf-8").strip())
    for must, field, text in expectations:
        value = record
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        value = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        assert (text in value) == must, f"{field} {'lacks' if must else 'holds'} {text!r}"


def _replica_renders() -> set[str]:
    """SHA-256 of every article page the replicas serve (RT in each mode, WordPress copies)."""
    from newsbot.replica.site import ReplicaSite
    from newsbot.replica.wordpress import WordPressSite

    digests = set()
    for mode in ("normal", "drifted"):
        site = ReplicaSite.from_feed(mode=mode)
        digests |= {hashlib.sha256(site.get(article.path)[2]).hexdigest() for article in site.articles}
    wordpress = WordPressSite.from_replica()
    digests |= {hashlib.sha256(wordpress.get(post.path)[2]).hexdigest() for post in wordpress.posts}
    return digests


def test_no_golden_page_is_a_replica_render():
    renders = _replica_renders()
    for page in PAGES:
        data = page.read_bytes()
        data = gzip.decompress(data) if page.suffix == ".gz" else data
        assert hashlib.sha256(data).hexdigest() not in renders, f"{page.name} is a render of the replica"
