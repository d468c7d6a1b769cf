"""Article text from a body container: paragraphs in reading order, teasers moved to ``related``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from newsbot.sites.base import Site
from newsbot.text import normalize_line

# Elements that end a paragraph before and after them.
BLOCK_TAGS = frozenset(
    "p div section article main header footer h1 h2 h3 h4 h5 h6 blockquote pre ul ol li dl dt dd "
    "table tr td th caption hr address center details summary".split()
)
# Never article text wherever they appear.
SKIP_TAGS = frozenset(
    "script style noscript iframe object embed video audio picture img svg figure figcaption form "
    "input button select textarea template aside nav canvas map".split()
)


@dataclass
class BodyText:
    paragraphs: list[str] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    dropped_promos: int = 0


def body_text(container: etree._Element, site: Site, page_url: str) -> BodyText:
    """Walk ``container`` once: text into paragraphs, teaser blocks and teaser lines into related."""
    return _Walker(container, site, page_url).run()


class _Walker:
    def __init__(self, container: etree._Element, site: Site, page_url: str):
        self.site = site
        self.page_url = page_url
        self.container = container
        compiled = site.compiled
        self.excluded = set(compiled.body_exclude(container)) if compiled.body_exclude else set()
        self.teasers: dict[etree._Element, dict[str, str]] = {}
        for block_selector, link_selector, title_selector in compiled.teasers:
            for block in block_selector(container):
                self.teasers.setdefault(block, self._teaser(block, link_selector, title_selector))
        self.result = BodyText()
        self.buffer: list[str] = []
        self.links: list[str] = []  # hrefs seen in the paragraph being built

    def run(self) -> BodyText:
        self._walk(self.container)
        self._flush()
        return self.result

    def _teaser(self, block, link_selector, title_selector) -> dict[str, str]:
        link = block if link_selector is None else next(iter(link_selector(block)), None)
        title_node = next(iter(title_selector(block)), None) if title_selector else link
        href = link.get("href") if link is not None else None
        title = normalize_line(title_node.xpath("string()")) if title_node is not None else ""
        return {"url": self._absolute(href) if href else "", "headline": title}

    def _absolute(self, href: str) -> str:
        return self.site.canonical(urljoin(self.page_url, href.strip()))

    def _walk(self, element: etree._Element) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):  # comment or processing instruction
                self._text(child.tail)
                continue
            tag = tag.lower()
            if child in self.teasers:
                self._add_related(self.teasers[child])
            elif child in self.excluded or tag in SKIP_TAGS:
                pass
            elif tag == "br":
                self.buffer.append("\n")
            elif tag in BLOCK_TAGS:
                self._flush()
                self._text(child.text)
                self._walk(child)
                self._flush()
            else:
                if tag == "a" and child.get("href"):
                    self.links.append(child.get("href"))
                self._text(child.text)
                self._walk(child)
            self._text(child.tail)

    def _text(self, text: str | None) -> None:
        if text:
            self.buffer.append(text)

    def _add_related(self, teaser: dict[str, str]) -> None:
        if teaser["url"] and all(item["url"] != teaser["url"] for item in self.result.related):
            self.result.related.append(teaser)

    def _flush(self) -> None:
        raw = "".join(self.buffer)
        links, self.buffer, self.links = self.links, [], []
        for chunk in re.split(r"\n\s*\n", raw):
            paragraph = normalize_line(chunk)
            if paragraph:
                self._emit(paragraph, links)

    def _emit(self, paragraph: str, links: list[str]) -> None:
        line = self.site.related_line.match(paragraph) if self.site.related_line else None
        if line:
            if links:
                self._add_related({"url": self._absolute(links[-1]), "headline": line.group("headline")})
            return
        if any(pattern.search(paragraph) for pattern in self.site.promo_lines):
            self.result.dropped_promos += 1
            return
        self.result.paragraphs.append(paragraph)
