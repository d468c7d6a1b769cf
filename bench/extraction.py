"""Score newsbot's generic `body` against the article-extraction benchmark, beside trafilatura.

    python bench/extraction.py [--html-dir DIR] [--truth FILE] [--worst N]

For every page of the benchmark (``<id>.html.gz`` + ``{id: {"url", "articleBody"}}``), in one run
and page by page in turn: newsbot's record (exactly what `newsbot extract --batch` computes per
page), trafilatura's default extraction and trafilatura with ``fast=True``. Prints precision,
recall, F1 and accuracy with the benchmark's metric, the CPU time per page of each
(time.process_time, the page already decoded) and newsbot's time as a ratio of trafilatura's.
One-off costs (newsbot's language model, loaded on the first page that does not state its
language) are timed apart, before the pages. Exits 1 when a page fails in newsbot (an exception,
or an empty body).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Callable

import trafilatura

from newsbot.cli import extract_html, read_page
from newsbot.evaluation import score_page, summarize
from newsbot.extract.generic import detected_language

BENCHMARK = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "article-extraction"


def newsbot_body(html: str, url: str) -> str:
    return extract_html(html, url)["body"]


def trafilatura_default(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def trafilatura_fast(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url, fast=True) or ""


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "newsbot": newsbot_body,
    "trafilatura": trafilatura_default,
    "trafilatura fast": trafilatura_fast,
}


def load_pages(html_dir: Path, truth_file: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, decoded page, true body) of every page that has both a file and a truth."""
    truth = json.loads(truth_file.read_text("utf-8"))
    pages = []
    for page_id, entry in sorted(truth.items()):
        path = html_dir / f"{page_id}.html.gz"
        if not path.exists():
            path = html_dir / f"{page_id}.html"
        if path.exists():
            pages.append((page_id, entry["url"], read_page(path), entry["articleBody"]))
    return pages


def startup_seconds(pages) -> float:
    """CPU seconds of newsbot's one-off costs: the first page (imports, caches) and the language model."""
    started = time.process_time()
    for extract in EXTRACTORS.values():
        extract(pages[0][2], pages[0][1])
    detected_language(pages[0][3] * (1 + 200 // max(1, len(pages[0][3]))))
    return time.process_time() - started


def run(pages) -> tuple[dict[str, list[str]], dict[str, float], list[str]]:
    """Each extractor's output and CPU seconds over all pages, and newsbot's failures."""
    outputs = {name: [] for name in EXTRACTORS}
    seconds = dict.fromkeys(EXTRACTORS, 0.0)
    failures = []
    for page_id, url, html, _ in pages:
        for name, extract in EXTRACTORS.items():
            started = time.process_time()
            try:
                text = extract(html, url)
            except Exception as error:  # a failure is a result here, reported below
                text = ""
                failures.append(f"{page_id} {url}: {name}: {type(error).__name__}: {error}")
            seconds[name] += time.process_time() - started
            outputs[name].append(text)
        if not outputs["newsbot"][-1].strip() and not any(page_id in failure for failure in failures):
            failures.append(f"{page_id} {url}: newsbot: empty body")
    return outputs, seconds, failures


def report(pages, outputs, seconds, worst: int) -> str:
    truths = [truth for *_, truth in pages]
    reference = seconds["trafilatura"] / len(pages)
    lines = [f"{len(pages)} pages", "",
             f"{'extractor':<18} {'precision':>9} {'recall':>7} {'F1':>7} {'accuracy':>8} {'ms/page':>8} {'× trafilatura':>13}"]
    for name in EXTRACTORS:
        summary = summarize(zip(truths, outputs[name]))
        per_page = seconds[name] / len(pages)
        lines.append(f"{name:<18} {summary.precision:>9.3f} {summary.recall:>7.3f} {summary.f1:>7.3f} "
                     f"{summary.accuracy:>8.3f} {per_page * 1000:>8.1f} {per_page / reference:>13.2f}")
    if worst:
        lines += ["", f"newsbot's {worst} lowest-scoring pages (F1, P, R, id, url):"]
        scores = [(score_page(truth, text), page_id, url)
                  for (page_id, url, _, truth), text in zip(pages, outputs["newsbot"])]
        for score, page_id, url in sorted(scores, key=lambda entry: entry[0].f1)[:worst]:
            lines.append(f"  {score.f1:.3f} {score.precision or 0:.3f} {score.recall or 0:.3f} {page_id[:12]} {url}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html-dir", type=Path, default=BENCHMARK / "html", help="<id>.html.gz pages")
    parser.add_argument("--truth", type=Path, default=BENCHMARK / "ground-truth.json",
                        help='{id: {"url": ..., "articleBody": ...}}')
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="also list newsbot's N worst pages")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # extractors log every thin page; the table is the output
    pages = load_pages(args.html_dir, args.truth)
    if not pages:
        print(f"no benchmark pages in {args.html_dir} with a truth in {args.truth}", file=sys.stderr)
        return 2
    startup = startup_seconds(pages)
    outputs, seconds, failures = run(pages)
    print(report(pages, outputs, seconds, args.worst))
    print(f"\none-off, before the pages (first page of each extractor, newsbot's language model): {startup:.2f} s")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if any(": newsbot:" in failure for failure in failures) else 0


if __name__ == "__main__":
    sys.exit(main())
