"""Golden files: saved pages in, expected records out, for every site module.

tests/sites/<site>/<name>.html[.gz] with <name>.url (the page's URL) and <name>.json (the
record). Regenerate after a deliberate change with NEWSBOT_REGEN_GOLDEN=1, then review the diff."""

from __future__ import annotations

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
