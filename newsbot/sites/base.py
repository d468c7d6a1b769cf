"""What a site module declares: hosts, URL patterns, feeds, listing rules and field selectors."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Mapping
from urllib.parse import urlsplit

from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from parsel.csstranslator import css2xpath

from newsbot.urls import canonicalize

# For each field, which layers are tried and in what order; a site may reorder them.
DEFAULT_LAYERS: Mapping[str, tuple[str, ...]] = {
    "canonical_url": ("opengraph", "meta", "crawl"),
    "headline": ("json-ld", "opengraph", "selector", "generic"),
    "summary": ("json-ld", "opengraph", "selector"),
    "body": ("selector", "generic"),
    "authors": ("json-ld", "meta", "selector"),
    "published_at": ("json-ld", "meta", "selector", "generic"),
    "modified_at": ("json-ld", "meta", "selector"),
    "language": ("meta", "json-ld", "site"),
    "image": ("opengraph", "json-ld", "selector"),
    "image.caption": ("selector", "json-ld"),
    "image.credit": ("selector", "json-ld"),
    "tags": ("json-ld", "meta", "selector"),
    "section": ("url", "json-ld", "meta"),
    "section_name": ("site", "meta", "selector"),
    "source_url": ("selector", "text"),
}

# Every layer a field may come from (what ``provenance`` can say).
LAYERS = frozenset({"json-ld", "opengraph", "meta", "selector", "generic", "url", "feed", "site", "crawl", "text"})


@dataclass(frozen=True)
class Teaser:
    """A related-article block inside the body: ``block`` is moved out into ``related``."""

    block: str
    link: str = ""  # CSS of the link inside the block; "" when the block itself is the link
    title: str = ""  # CSS of the headline inside the block; "" for the link's text


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of one layout. Empty means "this layout has no such element"."""

    headline: str = ""
    summary: str = ""
    body: str = ""
    body_exclude: str = ""  # inside the body: never text (embeds, captions, share bars)
    teasers: tuple[Teaser, ...] = ()
    published: str = ""  # element whose text (or datetime attribute) is the publication date
    modified: str = ""
    date_formats: tuple[str, ...] = ()  # strptime formats of the visible dates
    authors: str = ""
    tags: str = ""
    image: str = ""  # attribute selector giving the cover image URL, e.g. "img::attr(src)"
    image_caption: str = ""
    image_credit: str = ""
    section: str = ""  # the link to the article's section: its href's last segment is the slug, its text the label
    source: str = ""  # attribute selector giving the URL of the original, on pages that copy one


@dataclass(frozen=True)
class Site:
    """Site knowledge for one publisher. Spiders and extractors stay generic."""

    name: str
    host: str  # the canonical host, e.g. www.rt.com
    mirrors: tuple[str, ...] = ()  # hosts serving the same articles
    language: str | None = None
    founded: date = date(1994, 1, 1)  # dates before this are wrong
    timezone: str | None = "UTC"  # of visible dates that carry no offset; None: the page's country's
    article_path: re.Pattern[str] = re.compile(r"^/(?P<section>[^/]+)/.+")
    skip_paths: re.Pattern[str] | None = None
    sections: Mapping[str, str] = field(default_factory=dict)  # slug -> label
    section_path: str = "/{section}/"
    feed_paths: tuple[str, ...] = ()  # with {section}
    next_page: str = ""  # CSS of links (or attributes) to the next listing page or fragment
    card: str = ""  # a listing entry; only used to read its date (articles are found by URL)
    card_date: str = ""  # inside a card: the visible date, in one of ``date_formats``
    trailing_slash: bool | None = True
    selectors: Selectors = Selectors()
    layers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    title_suffix: re.Pattern[str] | None = None
    related_line: re.Pattern[str] | None = None  # "READ MORE: title" lines that are teasers
    promo_lines: tuple[re.Pattern[str], ...] = ()  # paragraphs that are never article text
    id_in_url: bool = False  # ``article_path`` has an ``id`` group that is stable and unique
    markers: tuple[str, ...] = ()  # CSS; any one on a page makes it this site's, on any host
    listing_area: str = ""  # CSS of the part of a listing page holding its entries ("" = all of it)
    copies_articles: bool = False  # pages may re-post other sites' articles: newsbot.extract.republish applies

    def __post_init__(self):
        """A misspelled field or layer, or a malformed selector, fails here, when the module is
        imported: one error naming every problem, not one per page at crawl time."""
        problems = [f"layers[{name!r}]: no such field (fields: {', '.join(DEFAULT_LAYERS)})"
                    for name in self.layers if name not in DEFAULT_LAYERS]
        problems += [f"layers[{name!r}]: no such layer {layer!r} (layers: {', '.join(sorted(LAYERS))})"
                     for name, order in self.layers.items() for layer in order if layer not in LAYERS]
        problems += [f"{where} {css!r}: malformed CSS ({error})" for where, css, error in self._css_errors()]
        if problems:
            raise ValueError(f"site module {self.name!r} is invalid: " + "; ".join(problems))

    def _css_errors(self):
        selectors = self.selectors
        named = [(f"selectors.{name}", getattr(selectors, name)) for name in Selectors.__dataclass_fields__
                 if isinstance(getattr(selectors, name), str)]
        named += [(f"selectors.teasers[{i}].{part}", getattr(teaser, part))
                  for i, teaser in enumerate(selectors.teasers) for part in ("block", "link", "title")]
        named += [(name, getattr(self, name)) for name in ("next_page", "card", "card_date", "listing_area")]
        named += [(f"markers[{i}]", marker) for i, marker in enumerate(self.markers)]
        for where, css in named:
            if not css:
                continue
            try:
                css2xpath(css)
            except SelectorError as error:
                yield where, css, error

    def marks(self, selector) -> bool:
        """True when the parsed page (a parsel Selector) carries one of this site's markers."""
        return any(selector.css(marker) for marker in self.markers)

    def layer_order(self, field_name: str) -> tuple[str, ...]:
        return self.layers.get(field_name, DEFAULT_LAYERS[field_name])

    @cached_property
    def host_map(self) -> dict[str, str]:
        if not self.host:
            return {}
        bare = self.host.removeprefix("www.")
        return {host: self.host for host in {self.host, bare, *self.mirrors}}

    def owns(self, url: str) -> bool:
        return (urlsplit(url).hostname or "").lower() in self.host_map

    def canonical(self, url: str) -> str:
        return canonicalize(url, self.host_map, trailing_slash=self.trailing_slash)

    def article_match(self, url: str) -> re.Match[str] | None:
        """The article-path match of ``url`` (any host), or None for non-article pages."""
        return self.article_path_match(urlsplit(url).path)

    def article_path_match(self, path: str) -> re.Match[str] | None:
        """``article_match`` of a URL whose path is already split off."""
        if self.skip_paths and self.skip_paths.search(path):
            return None
        return self.article_path.match(path)

    def article_id(self, canonical_url: str) -> str:
        match = self.article_match(canonical_url)
        if self.id_in_url and match and match.group("id"):
            return f"{self.name}:{match.group('id')}"
        return url_hash_id(self.name, canonical_url)

    @cached_property
    def compiled(self) -> "CompiledSelectors":
        return CompiledSelectors(self.selectors)


def url_hash_id(site_name: str, canonical_url: str) -> str:
    return f"{site_name}:{hashlib.sha1(canonical_url.encode('utf-8')).hexdigest()[:16]}"


class CompiledSelectors:
    """lxml selectors compiled once per site, used on every page of the crawl."""

    def __init__(self, selectors: Selectors):
        self.body_exclude = CSSSelector(selectors.body_exclude) if selectors.body_exclude else None
        self.teasers = [
            (CSSSelector(teaser.block),
             CSSSelector(teaser.link) if teaser.link else None,
             CSSSelector(teaser.title) if teaser.title else None)
            for teaser in selectors.teasers
        ]
