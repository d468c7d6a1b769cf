"""The last layer: site-independent extraction for pages (or fields) no selector covers."""

from __future__ import annotations

import logging
import re

from newsbot.extract.page import Page
from newsbot.text import normalize_line

logging.getLogger("trafilatura").setLevel(logging.ERROR)  # it logs every page it finds thin
logging.getLogger("htmldate").setLevel(logging.ERROR)

TITLE_SEPARATOR = re.compile(r"\s+[|—–-]\s+[^|—–-]+$")


def generic_body(page: Page) -> list[str]:
    """Main text paragraphs through trafilatura, the reference open-source extractor."""
    import trafilatura

    text = trafilatura.extract(
        page.html,
        url=page.url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
    )
    return [line for line in (normalize_line(part) for part in (text or "").split("\n")) if line]


def generic_headline(page: Page, suffix: re.Pattern[str] | None = None) -> str | None:
    title = page.selector.xpath("//title/text()").get() or page.selector.xpath("//h1").xpath("string()").get()
    if not title:
        return None
    title = normalize_line(title)
    return (suffix or TITLE_SEPARATOR).sub("", title) or title


def generic_published(page: Page) -> str | None:
    """A date from the page's markup (time elements, meta, URL) by htmldate; never from prose."""
    value = page.selector.xpath("//time/@datetime").get()
    if value:
        return value
    from htmldate import find_date

    return find_date(page.html, url=page.url, extensive_search=False, outputformat="%Y-%m-%dT%H:%M:%S")
