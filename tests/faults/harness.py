"""Fault cases, their verdicts after a crawl, and the per-kind fault report."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.evaluation import score_page

from .server import Fault

# Fields that must come out exactly as the replica's ground truth says.
EXACT_FIELDS = ("headline", "summary", "published_at", "modified_at", "canonical_url", "section", "tags",
                "related", "image")
STAT = re.compile(r"'(newsbot/[^']+|[a-z_]+/[^']+|[a-z_]+_count)': (\d+)")


@dataclass(frozen=True)
class Case:
    """One fault on one path. ``expect``: "recovered" (the article comes out once, exact) or
    "refused" (no article; ``error`` counted as newsbot/errors/<error> and logged with the URL)."""

    kind: str
    path: str
    fault: Fault
    expect: str = "recovered"
    error: str | None = None
    article_id: str | None = None  # the article the fault hides; None for listing/feed paths


def stats_of(log: str) -> dict[str, int]:
    """The integer stats of a crawl, from the stats dump at the end of its log."""
    dump = log[log.rfind("Dumping Scrapy stats"):]
    return {name: int(value) for name, value in STAT.findall(dump)}


def exact_problems(item: dict, truth: dict) -> list[str]:
    problems = [name for name in EXACT_FIELDS if item.get(name) != truth[name]]
    if score_page(truth["body"], item["body"]).f1 < 0.98:
        problems.append("body")
    return problems


@dataclass
class Row:
    tried: int = 0
    survived: int = 0
    lost: int = 0
    duplicated: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the cases were, where that is not obvious

    def add(self, survived: bool, lost: int = 0, duplicated: int = 0, why: str = "") -> None:
        self.tried += 1
        self.survived += survived
        self.lost += lost
        self.duplicated += duplicated
        if not survived:
            self.failures.append(why)


class FaultReport:
    """Per fault kind: cases tried, survived, articles lost, articles duplicated."""

    def __init__(self):
        self.rows: dict[str, Row] = {}

    def row(self, kind: str) -> Row:
        return self.rows.setdefault(kind, Row())

    def judge(self, cases: list[Case], items: list[dict], truth: dict[str, dict], log: str) -> None:
        """Verdict of every case of one crawl (plus the articles no fault touched)."""
        stats = stats_of(log)
        counts = Counter(item["id"] for item in items)
        by_id = {item["id"]: item for item in items}
        for case in cases:
            row = self.row(case.kind)
            if case.expect == "recovered":
                if case.article_id is None:  # a listing or feed fault: judged by the whole crawl below
                    row.add(survived="'finish_reason': 'finished'" in log)
                    continue
                seen = counts[case.article_id]
                problems = exact_problems(by_id[case.article_id], truth[case.article_id]) if seen else ["missing"]
                row.add(survived=seen == 1 and not problems, lost=int(seen == 0), duplicated=max(0, seen - 1),
                        why=f"{case.path}: {problems or seen}")
            else:
                counted = stats.get(f"newsbot/errors/{case.error}", 0) > 0
                logged = any(case.path in line for line in log.splitlines() if "ERROR" in line)
                row.add(survived=counts[case.article_id] == 0 and counted and logged,
                        why=f"{case.path}: exported {counts[case.article_id]}, counted {counted}, logged {logged}")
        touched = {case.article_id for case in cases}
        untouched = self.row("(no fault, same crawls)")
        for article_id, record in truth.items():
            if article_id in touched:
                continue
            seen = counts[article_id]
            problems = exact_problems(by_id[article_id], record) if seen else ["missing"]
            untouched.add(survived=seen == 1 and not problems, lost=int(seen == 0), duplicated=max(0, seen - 1),
                          why=f"{article_id}: {problems or seen}")

    def as_dict(self) -> dict:
        return {kind: {"tried": row.tried, "survived": row.survived, "lost": row.lost,
                       "duplicated": row.duplicated, "failures": row.failures, "notes": row.notes}
                for kind, row in sorted(self.rows.items())}

    def write(self, path: Path) -> None:
        partial = path.with_name(path.name + ".part")
        partial.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False), "utf-8")
        partial.replace(path)

    def table(self) -> str:
        lines = [f"{'fault kind':44} {'tried':>5} {'survived':>8} {'lost':>4} {'dup':>4}"]
        for kind, row in sorted(self.rows.items()):
            lines.append(f"{kind:44} {row.tried:5} {row.survived:8} {row.lost:4} {row.duplicated:4}")
        return "\n".join(lines)


REPORT = FaultReport()
