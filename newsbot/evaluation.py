"""The article-extraction benchmark's metric: token 4-shingle precision, recall and F1.

As published with Scrapinghub's article-extraction-benchmark: shingles of ``\\w+`` tokens counted
as multisets, tp/fp/fn normalised per page, precision and recall averaged over pages."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

_TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < SHINGLE:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


@dataclass(frozen=True)
class PageScore:
    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        if self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        if self.tp + self.fn == 0:
            return None
        return self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(expected: str, predicted: str) -> PageScore:
    truth, guess = shingles(expected), shingles(predicted)
    tp = sum(min(truth[s], guess[s]) for s in truth.keys() & guess.keys())
    fp = sum(max(0, guess[s] - truth[s]) for s in guess)
    fn = sum(max(0, truth[s] - guess[s]) for s in truth)
    total = tp + fp + fn
    if total == 0:
        return PageScore(1.0, 0.0, 0.0)
    if fp == 0 and fn == 0:
        return PageScore(1.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True)
class Summary:
    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int


def summarize(pairs: Iterable[tuple[str, str]]) -> Summary:
    """Scores of (expected, predicted) body pairs, aggregated the benchmark's way."""
    precisions, recalls, exact, pages = [], [], 0, 0
    for expected, predicted in pairs:
        pages += 1
        score = score_page(expected, predicted)
        if score.precision is not None:
            precisions.append(score.precision)
        if score.recall is not None:
            recalls.append(score.recall)
        exact += _TOKEN.findall(expected or "") == _TOKEN.findall(predicted or "")
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Summary(precision, recall, f1, exact / pages if pages else 0.0, pages)
