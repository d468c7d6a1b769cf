"""Score newsbot's extraction on both benchmarks' development halves, beside trafilatura.

    python bench/extraction.py [--only article|news] [--worst N] [--part tuning|held-out] [--ablate] [--no-jsonld]

Two benchmarks under ``../shared/benchmarks`` (see their READMEs for the metrics):

- **article-extraction**: ``body`` of 90 pages of 77 sites: newsbot's record (exactly what
  `newsbot extract --batch` computes per page), trafilatura's default extraction and trafilatura
  with ``fast=True``, page by page in turn, with the CPU time per page of each
  (time.process_time, the page already decoded) and newsbot's time as a ratio of trafilatura's.
- **news-fields**: headline, authors, published_at and body of 128 pages of 86 publishers:
  newsbot's record against trafilatura's ``bare_extraction(with_metadata=True)``.

Each half is split by site (publisher) into a **tuning** part and a **held-out** part by a hash
of the site's name: rules are tuned looking at the tuning part's errors only (``--worst`` lists
only those), and the held-out part tells how they generalise; the gap is printed per field.
``--ablate`` turns each generic boilerplate rule off in turn and prints the pages and sites it
helps on (a rule is kept only when it helps on pages of at least three sites).
``--no-jsonld`` scores the pages with their JSON-LD blocks removed: how the layers below
structured data (meta tags, bylines, <time>, <title>/<h1>, the text) do on the many pages that
state less, judged on the tuning part like any rule.
Exits 1 when a page fails in newsbot (an exception, or an empty body).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import trafilatura

from newsbot.cli import extract_html, read_page
from newsbot.evaluation import score_page, summarize
from newsbot.extract import generic
from newsbot.extract.generic import detected_language

# `shared/` beside the checkout (or beside the directory of worktrees holding it)
SHARED = next((parent / "shared" / "benchmarks" for parent in Path(__file__).resolve().parents[1:]
               if (parent / "shared" / "benchmarks").is_dir()), Path("../shared/benchmarks"))
ARTICLES = SHARED / "article-extraction"
NEWS = SHARED / "news-fields"
PARTS = ("tuning", "held-out")
FIELDS = ("body", "headline", "published_at", "authors")
SAME_INSTANT_SECONDS = 60
JSONLD_BLOCK = re.compile(r"<script[^>]*application/ld\+json[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)


@dataclass
class BenchPage:
    id: str
    site: str
    url: str
    html: str
    truth: dict  # body, and on news-fields pages headline, authors, published_at

    @property
    def part(self) -> str:
        return part_of(self.site)


def part_of(site: str) -> str:
    """The part a site belongs to: fixed by its name, about half the sites each."""
    return PARTS[hashlib.sha256(site.lower().encode()).digest()[0] % 2]


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def article_pages(directory: Path = ARTICLES) -> list[BenchPage]:
    truth = json.loads((directory / "ground-truth.json").read_text("utf-8"))
    pages = []
    for page_id, entry in sorted(truth.items()):
        path = directory / "html" / f"{page_id}.html.gz"
        if path.exists():
            pages.append(BenchPage(page_id, _host(entry["url"]), entry["url"], read_page(path),
                                   {"body": entry["articleBody"]}))
    return pages


def news_pages(directory: Path = NEWS) -> list[BenchPage]:
    truth = json.loads((directory / "ground-truth-dev.json").read_text("utf-8"))
    pages = []
    for page_id, entry in sorted(truth.items()):
        path = directory / "html" / f"{page_id}.html.gz"
        publisher = page_id.split("/")[-1].rsplit("_", 3)[0]
        pages.append(BenchPage(page_id, publisher, entry["url"], read_page(path), entry))
    return pages


# -- extractors: (html, url) -> record with the benchmark's fields --
def newsbot_record(html: str, url: str) -> dict:
    return extract_html(html, url)


def trafilatura_record(html: str, url: str, fast: bool = False) -> dict:
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, fast=fast)
    if document is None:
        return {"body": ""}
    return {"body": document.text or "", "headline": document.title,
            "authors": [name.strip() for name in (document.author or "").split(";") if name.strip()],
            "published_at": document.date}


EXTRACTORS: dict[str, Callable[[str, str], dict]] = {
    "newsbot": newsbot_record,
    "trafilatura": trafilatura_record,
    "trafilatura fast": lambda html, url: trafilatura_record(html, url, fast=True),
}


# -- field scores (news-fields README, "How a record is scored") --
def _spaced(text: str, form: str) -> str:
    return " ".join(unicodedata.normalize(form, text or "").split())


def headline_ok(truth: str, value) -> bool:
    return isinstance(value, str) and _spaced(truth, "NFC") == _spaced(value, "NFC")


def authors_ok(truth: list[str], value) -> bool:
    names = {_spaced(name, "NFKC").casefold() for name in value or []}
    return names == {_spaced(name, "NFKC").casefold() for name in truth}


def published_ok(truth: str, value) -> bool:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return False
    if moment is None or moment.tzinfo is None:
        return False
    expected = datetime.fromisoformat(truth)
    expected = expected if expected.tzinfo else expected.replace(tzinfo=timezone.utc)
    return abs((moment - expected).total_seconds()) <= SAME_INSTANT_SECONDS


def field_scores(pages: list[BenchPage], records: list[dict]) -> dict[str, float]:
    """Body F1 (and P, R) and the share of exact headline, authors and published_at."""
    body = summarize((page.truth["body"], record.get("body") or "") for page, record in zip(pages, records))
    scores = {"body": body.f1, "body P": body.precision, "body R": body.recall}
    checks = {"headline": headline_ok, "published_at": published_ok, "authors": authors_ok}
    for name, check in checks.items():
        scored = [(page, record) for page, record in zip(pages, records) if page.truth.get(name)]
        if scored:
            scores[name] = sum(check(page.truth[name], record.get(name)) for page, record in scored) / len(scored)
    return scores


def run(pages: list[BenchPage], extractors) -> tuple[dict[str, list[dict]], dict[str, float], list[str]]:
    """Each extractor's records and CPU seconds over all pages, and newsbot's failures."""
    records = {name: [] for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    failures = []
    for page in pages:
        for name, extract in extractors.items():
            started = time.process_time()
            try:
                record = extract(page.html, page.url)
            except Exception as error:  # a failure is a result here, reported below
                record = {"body": ""}
                failures.append(f"{page.id} {page.url}: {name}: {type(error).__name__}: {error}")
            seconds[name] += time.process_time() - started
            records[name].append(record)
        if not (records["newsbot"][-1].get("body") or "").strip() and not any(page.id in f for f in failures):
            failures.append(f"{page.id} {page.url}: newsbot: empty body")
    return records, seconds, failures


def startup_seconds(pages: list[BenchPage]) -> float:
    """CPU seconds of one-off costs: the first page of each extractor (imports, caches), the language model."""
    started = time.process_time()
    for extract in EXTRACTORS.values():
        extract(pages[0].html, pages[0].url)
    detected_language("The language model loads on the first page that does not state its language. " * 5)
    return time.process_time() - started


def table(title: str, pages: list[BenchPage], records: dict[str, list[dict]], fields: tuple[str, ...]) -> list[str]:
    lines = [title, f"{'extractor':<18} {'part':<9} {'sites':>5} {'pages':>5} "
             + " ".join(f"{name:>12}" for name in fields)]
    for name, outputs in records.items():
        per_part = {}
        for part in ("all",) + PARTS:
            chosen = [(page, record) for page, record in zip(pages, outputs) if part in ("all", page.part)]
            scores = field_scores([page for page, _ in chosen], [record for _, record in chosen])
            per_part[part] = scores
            sites = len({page.site for page, _ in chosen})
            lines.append(f"{name:<18} {part:<9} {sites:>5} {len(chosen):>5} "
                         + " ".join(f"{scores.get(field, float('nan')):>12.3f}" for field in fields))
        gap = [per_part["tuning"].get(field, 0) - per_part["held-out"].get(field, 0) for field in fields]
        lines.append(f"{name:<18} {'gap':<9} {'':>5} {'':>5} " + " ".join(f"{value:>+12.3f}" for value in gap))
    return lines


def standing(records: dict[str, list[dict]], pages: list[BenchPage], fields: tuple[str, ...]) -> list[str]:
    """Per field and part: newsbot's score minus trafilatura's."""
    lines = []
    for part in PARTS:
        chosen = [index for index, page in enumerate(pages) if page.part == part]
        ours = field_scores([pages[i] for i in chosen], [records["newsbot"][i] for i in chosen])
        theirs = field_scores([pages[i] for i in chosen], [records["trafilatura"][i] for i in chosen])
        lines.append(f"newsbot vs trafilatura, {part}: " + ", ".join(
            f"{field} {ours[field]:.3f} vs {theirs.get(field, 0):.3f} "
            f"({'ahead' if ours[field] > theirs.get(field, 0) else 'behind' if ours[field] < theirs.get(field, 0) else 'tied'})"
            for field in fields if field in ours))
    return lines


def worst(pages: list[BenchPage], records: list[dict], count: int, part: str) -> list[str]:
    """newsbot's errors on ``part`` only: lowest body scores, then every wrong field."""
    chosen = [(page, record) for page, record in zip(pages, records) if page.part == part]
    scores = sorted(((score_page(page.truth["body"], record.get("body") or ""), page) for page, record in chosen),
                    key=lambda entry: entry[0].f1)
    lines = [f"newsbot's {count} lowest body scores on the {part} part (F1, P, R, id, url):"]
    lines += [f"  {s.f1:.3f} {s.precision or 0:.3f} {s.recall or 0:.3f} {page.id[:40]} {page.url}"
              for s, page in scores[:count]]
    checks = {"headline": headline_ok, "published_at": published_ok, "authors": authors_ok}
    for page, record in chosen:
        for name, check in checks.items():
            if page.truth.get(name) and not check(page.truth[name], record.get(name)):
                lines.append(f"  {name} {page.id}: got {record.get(name)!r}, want {page.truth[name]!r}")
    return lines


def ablation(pages: list[BenchPage]) -> list[str]:
    """For each family of generic boilerplate line rules: the sites whose body F1 it raises (and lowers)."""
    def scores() -> list[float]:
        return [score_page(page.truth["body"], newsbot_record(page.html, page.url)["body"]).f1 for page in pages]

    base = scores()
    lines = [f"rule ablation on {len(pages)} pages of {len({p.site for p in pages})} sites:"]
    families = dict(generic.BOILERPLATE_LINES)
    for family in families:
        generic.BOILERPLATE_LINES = {name: rule for name, rule in families.items() if name != family}
        try:
            without = scores()
        finally:
            generic.BOILERPLATE_LINES = families
        helped = sorted({pages[i].site for i, (a, b) in enumerate(zip(base, without)) if a > b + 1e-9})
        hurt = sorted({pages[i].site for i, (a, b) in enumerate(zip(base, without)) if a < b - 1e-9})
        verdict = "keep" if len(helped) >= 3 else "DROP"
        lines.append(f"  {verdict} {family}: helps {len(helped)} sites {helped}, hurts {len(hurt)} {hurt}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("article", "news"), help="score one benchmark only")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list newsbot's errors on --part")
    parser.add_argument("--part", choices=PARTS, default="tuning", help="the part --worst and --ablate look at")
    parser.add_argument("--ablate", action="store_true", help="measure each generic boilerplate rule")
    parser.add_argument("--no-jsonld", action="store_true", help="score the pages with their JSON-LD removed")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # extractors log every thin page; the tables are the output
    benchmarks = {"article-extraction": (article_pages, ("body", "body P", "body R")),
                  "news-fields": (news_pages, FIELDS)}
    if args.only:
        benchmarks = {name: spec for name, spec in benchmarks.items() if name.startswith(args.only)}
    loaded = {name: loader() for name, (loader, _) in benchmarks.items()}
    if args.no_jsonld:
        for page in (page for pages in loaded.values() for page in pages):
            page.html = JSONLD_BLOCK.sub("", page.html)
    if args.ablate:
        pages = [page for chosen in loaded.values() for page in chosen if page.part == args.part]
        print(*ablation(pages), sep="\n")
        return 0
    print(f"one-off, before the pages (first page of each extractor, language model): "
          f"{startup_seconds(next(iter(loaded.values()))):.2f} s\n")
    failed = False
    for name, pages in loaded.items():
        fields = benchmarks[name][1]
        records, seconds, failures = run(pages, EXTRACTORS)
        print(*table(f"{name}: {len(pages)} pages of {len({p.site for p in pages})} sites", pages, records, fields),
              sep="\n")
        reference = seconds["trafilatura"] / len(pages)
        print("CPU ms/page: " + ", ".join(f"{extractor} {sec / len(pages) * 1000:.1f} ({sec / len(pages) / reference:.2f}× trafilatura)"
                                          for extractor, sec in seconds.items()))
        print(*standing(records, pages, tuple(field for field in fields if " " not in field)), sep="\n")
        if args.worst:
            print(*worst(pages, records["newsbot"], args.worst, args.part), sep="\n")
        print()
        for failure in failures:
            print(f"FAILED {failure}", file=sys.stderr)
        failed = failed or any(": newsbot:" in failure for failure in failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
