"""A fetched page parsed once: tree, JSON-LD and meta tags, handed to every field extractor."""

from __future__ import annotations

import json
import logging
import re
from functools import cached_property
from typing import Any

from parsel import Selector

logger = logging.getLogger(__name__)

ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                 "OpinionNewsArticle", "LiveBlogPosting", "WebPage", "ReviewNewsArticle", "BackgroundNewsArticle"}
MAX_JSONLD_CHARS = 1_000_000  # a larger block is hostile or broken; skip it rather than parse it
# Real JSON-LD nests a few levels and its longest string is an articleBody; beyond these a
# block is hostile (or broken) and skipped whole, so no field is taken from it.
MAX_JSONLD_DEPTH = 32
MAX_JSONLD_STRING = 200_000
# Script bodies hidden from old parsers: "//<![CDATA[ ... //]]>" (XHTML templates) or "<!-- ... -->".
SCRIPT_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")


class Page:
    """One HTML page: ``selector`` for CSS/XPath, ``jsonld`` and ``meta`` pre-parsed once."""

    def __init__(self, url: str, html: str | None = None, *, selector: Selector | None = None):
        self.url = url
        self._html = html
        self.selector = selector if selector is not None else Selector(text=html or "<html></html>")
        self.problems: list[str] = []  # recoverable defects, reported in the stats

    @property
    def html(self) -> str:
        return self._html if self._html is not None else self.selector.get()

    @cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """Every JSON-LD object of the page, @graph members flattened; broken blocks skipped."""
        objects: list[dict[str, Any]] = []
        for raw in self.selector.xpath('//script[@type="application/ld+json"]/text()').getall():
            if len(raw) > MAX_JSONLD_CHARS:
                self.problems.append("jsonld_too_large")
                continue
            try:
                data = json.loads(SCRIPT_WRAPPER.sub("", raw), strict=False)
            except (ValueError, RecursionError):
                self.problems.append("jsonld_invalid")
                continue
            if problem := _hostile(data):
                self.problems.append(problem)
                continue
            objects.extend(_flatten(data))
        return objects

    @cached_property
    def article_data(self) -> dict[str, Any]:
        """The JSON-LD object that describes the article itself ({} when there is none)."""
        candidates = [obj for obj in self.jsonld if _types(obj) & ARTICLE_TYPES]
        # A NewsArticle beats a generic WebPage.
        candidates.sort(key=lambda obj: "WebPage" in _types(obj))
        return candidates[0] if candidates else {}

    def jsonld_of_type(self, type_name: str) -> dict[str, Any]:
        return next((obj for obj in self.jsonld if type_name in _types(obj)), {})

    @cached_property
    def meta(self) -> dict[str, str]:
        """meta tags by lower-cased property/name/itemprop; the first one wins."""
        values: dict[str, str] = {}
        for node in self.selector.root.xpath("//meta[@content]"):  # lxml elements: no Selector per tag
            key = node.attrib.get("property") or node.attrib.get("name") or node.attrib.get("itemprop")
            content = node.attrib["content"].strip()
            if key and content:
                values.setdefault(key.strip().lower(), content)
        return values

    @cached_property
    def canonical_link(self) -> str | None:
        href = self.selector.xpath('//link[@rel="canonical"]/@href').get()
        return href.strip() if href else None

    @cached_property
    def html_lang(self) -> str | None:
        lang = self.selector.xpath("/html/@lang").get()
        return lang.strip() if lang else None


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    return set()


def _hostile(data: Any) -> str | None:
    """Why a parsed block must not be used ("jsonld_too_deep", "jsonld_string_too_long"), or None.
    Iterative, so a deep block cannot exhaust the stack here."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSONLD_DEPTH:
            return "jsonld_too_deep"
        if isinstance(value, str) and len(value) > MAX_JSONLD_STRING:
            return "jsonld_string_too_long"
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, depth + 1) for child in children)
    return None


def _flatten(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [obj for item in data for obj in _flatten(item)]
    if not isinstance(data, dict):
        return []
    graph = data.get("@graph")
    return [data] + (_flatten(graph) if isinstance(graph, list) else [])
