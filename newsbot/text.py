"""Text cleaning shared by extraction and the cleaning pipeline."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

PARAGRAPH_SEPARATOR = "\n\n"
# Zero-width and soft characters that only break matching and tokenising.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+\d*);")


def normalize_line(text: str) -> str:
    """One paragraph: entities decoded, NFC, invisible characters gone, all runs of space one."""
    # Until none is left, so that cleaning twice changes nothing ("&amp;lt;" -> "<" at once).
    while _ENTITY.search(text) and (decoded := html.unescape(text)) != text:
        text = decoded
    text = _INVISIBLE.sub("", text)  # before NFC: a soft hyphen between a letter and its accent
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def split_paragraphs(text: str) -> list[str]:
    return [line for line in (normalize_line(part) for part in re.split(r"\n\s*\n", text)) if line]


def join_paragraphs(paragraphs: list[str]) -> str:
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def drop_repeats(paragraphs: list[str], also: tuple[str, ...] = ()) -> list[str]:
    """Remove paragraphs seen before (or equal to one of ``also``, e.g. the headline)."""
    seen = {normalize_key(text) for text in also if text}
    kept = []
    for paragraph in paragraphs:
        key = normalize_key(paragraph)
        if key in seen:
            continue
        seen.add(key)
        kept.append(paragraph)
    return kept


_WORD = re.compile(r"\w+")


def text_key(text: str) -> str:
    """Comparison key: case, punctuation and spacing ignored."""
    return " ".join(_WORD.findall(text.casefold()))


# Cached for paragraphs and names: the cleaning pipeline compares the very paragraphs extraction
# just compared. A whole body goes to ``text_key``: the cache would keep it, and its key, alive.
normalize_key = lru_cache(maxsize=4096)(text_key)


def clean_body(text: str, also_drop: tuple[str, ...] = ()) -> str:
    """Normalise every paragraph of a body and drop the repeated ones, keeping paragraph breaks."""
    return join_paragraphs(drop_repeats(split_paragraphs(text), also_drop))
