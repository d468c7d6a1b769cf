"""The article record: the JSONL contract downstream loads depend on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

# Where a field's value came from, so that layout drift shows up in the output and the stats.
LAYERS = ("json-ld", "opengraph", "meta", "selector", "text", "generic", "url", "feed", "site", "crawl")


@dataclass
class Article:
    id: str = ""
    site: str = ""
    url: str = ""
    canonical_url: str = ""
    section: str | None = None
    section_name: str | None = None
    headline: str = ""
    summary: str | None = None
    body: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    modified_at: str | None = None
    language: str | None = None
    image: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    source_url: str | None = None
    duplicate_of: str | None = None  # set on copies kept by NEWSBOT_KEEP_DUPLICATES
    version: int = 1  # 1 on first export; +1 each time a refresh run re-emits it changed
    fetched_at: str = ""
    fetched_from: str = "live"  # live | wayback | commoncrawl | warc
    archived_at: str | None = None  # the capture's time, for a page read from an archive
    provenance: dict[str, str] = field(default_factory=dict)


@cache
def article_schema() -> dict[str, Any]:
    return json.loads(resources.files("newsbot").joinpath("schema/article.schema.json").read_text("utf-8"))


@cache
def schema_validator():
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(article_schema(), format_checker=FormatChecker())


def schema_errors(record: dict[str, Any]) -> list[str]:
    """Every way ``record`` breaks the contract, as readable lines (empty when it is valid)."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(record)'}: {error.message}"
        for error in schema_validator().iter_errors(record)
    ]
