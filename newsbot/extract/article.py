"""Page -> article record, each field from the first layer that yields it, with its provenance."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

from newsbot.extract.authors import Names, byline_names, is_byline_line, jsonld_names, meta_authors, text_names
from newsbot.extract.body import body_text
from newsbot.extract.dates import (TIMED_WITH_OFFSET, iso, is_plausible, page_zone, parse_datetime, parse_stated,
                                   precision, same_moment)
from newsbot.extract.generic import detected_language, generic_body, generic_headline, generic_published
from newsbot.extract.headline import clean_title, generic_headline_of
from newsbot.extract.page import Page
from newsbot.extract.republish import CopyText, clean_copy, split_credit
from newsbot.extract.values import FIXED_PREFIX, usable
from newsbot.record import Article
from newsbot.sites import canonical_url
from newsbot.sites.base import Site
from newsbot.text import drop_repeats, join_paragraphs, normalize_line, split_paragraphs

Source = Callable[["_Fields"], Any]
# Meta tags that state the publication time, the Open Graph one first.
PUBLISHED_META = ("article:published_time", "og:article:published_time", "published_time_telegram",
                  "datepublished", "publishdate", "publish-date", "pubdate", "date", "dc.date.issued",
                  "dcterms.created", "dc.date", "parsely-pub-date", "sailthru.date")


class _Fields:
    """Field sources of one page. ``pick`` tries a field's layers in the site's order."""

    def __init__(self, page: Page, site: Site):
        self.page = page
        self.site = site
        self.data = page.article_data
        self.provenance: dict[str, str] = {}
        self.canonical_url = page.url
        self._body = None
        self.section: str | None = None  # once picked: the section_name sources read it
        self.copy: CopyText | None = None  # a copy's text after newsbot.extract.republish
        self.text = ""  # once picked: the body, which the language is detected from
        self.organisations: list[tuple[str, list[str]]] = []  # (layer, names) the author sources set aside
        # Offset-less times: the site's zone, else (a site not known) the page's country's, else UTC.
        self.zone = site.timezone or page_zone(page.url, [page.html_lang, page.meta.get("og:locale"),
                                                          _text(self.data.get("inLanguage"))])

    def people(self, layer: str, names: Names) -> list[str]:
        """The people ``names`` holds; its organisations are kept for a page that names no person."""
        if names.organisations:
            self.organisations.append((layer, names.organisations))
        return names.people

    def authors(self) -> list[str]:
        """People, else the first organisation named as author (provenance "authors.organisation")."""
        people = self.pick("authors", SOURCES["authors"])
        if people or not self.organisations:
            return people or []
        layer, names = self.organisations[0]
        self.provenance["authors"] = self.provenance["authors.organisation"] = layer
        return names

    def pick(self, name: str, sources: dict[str, Source]) -> Any:
        rejected = False
        for layer in self.site.layer_order(name):
            source = sources.get(layer)
            value = source(self) if source else None
            if value not in (None, "", [], {}):
                value = usable(name, value, self.canonical_url)  # a bad value: the next layer's turn
                rejected |= value is None
                if value is not None:
                    self.provenance[name] = layer
                    return value
        if rejected:
            self.page.problems.append(FIXED_PREFIX + name)
        return None

    # -- helpers shared by the field sources --
    def css_text(self, css: str) -> str | None:
        if not css:
            return None
        node = self.page.selector.css(css)
        text = normalize_line(node[0].xpath("string()").get()) if node else ""
        return text or None

    def css_texts(self, css: str) -> list[str]:
        if not css:
            return []
        texts = (normalize_line(node.xpath("string()").get()) for node in self.page.selector.css(css))
        return _unique(text for text in texts if text)

    def date(self, value: Any) -> str | None:
        moment = parse_datetime(value, self.site.selectors.date_formats, self.zone)
        if moment is None:
            if value:
                self.page.problems.append("date_unparseable")
            return None
        if not is_plausible(moment, self.site.founded):
            self.page.problems.append("date_implausible")
            return None
        return iso(moment)

    def selector_values(self, css: str) -> list[str]:
        nodes = self.page.selector.css(css) if css else []
        return [node.attrib.get("datetime") or node.attrib.get("content") or normalize_line(node.xpath("string()").get())
                for node in nodes[:1]]

    def published(self) -> str | None:
        """The publication time stated most fully, layers in the site's order: a time with the
        page's own offset beats a time without one, which beats a date alone, when it states the
        same moment (the same day, the same clock time): another date on the page is another
        event's."""
        best = None  # (precision, moment, layer, as stated)
        sources = SOURCES["published_at"]
        for layer in self.site.layer_order("published_at"):
            if best and layer == "generic":
                break  # the text-wide guess states no offset: it never beats a stated value
            for value in sources[layer](self) if layer in sources else ():
                stated = parse_stated(value, self.site.selectors.date_formats)
                moment = self.date(value) if stated is not None or value else None
                if moment is None:
                    continue
                rank = precision(value, stated)
                if best is None or (rank > best[0] and same_moment(best[3], stated)):
                    best = (rank, moment, layer, stated)
            if best and best[0] == TIMED_WITH_OFFSET:
                break
        if best is None:
            return None
        self.provenance["published_at"] = best[2]
        return best[1]

    def selector_date(self, css: str) -> str | None:
        if not css:
            return None
        node = self.page.selector.css(css)
        if not node:
            return None
        return self.date(node[0].attrib.get("datetime") or node[0].attrib.get("content") or self.css_text(css))

    def body(self):
        """The site-selector body, computed once (used for both body and related)."""
        if self._body is None:
            css = self.site.selectors.body
            node = self.page.selector.css(css) if css else []
            # Links resolve against the canonical URL: a mirror or replica host must not leak out.
            self._body = body_text(node[0].root, self.site, self.canonical_url) if node else False
        return self._body


def _unique(values) -> list:
    seen, kept = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            kept.append(value)
    return kept


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return normalize_line(value) if isinstance(value, str) and value.strip() else None


def _titled(f: _Fields, title: str | None) -> str | None:
    return clean_title(f.page, title) if title else None


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return _unique(name for name in (_text(item) for item in items) if name)


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _srcset_first(value: str | None) -> str | None:
    return value.split(",")[0].split()[0] if value and value.strip() else None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return _names(value) if value else []


def _breadcrumb_section(f: _Fields) -> str | None:
    items = f.page.jsonld_of_type("BreadcrumbList").get("itemListElement") or []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("position") in (2, "2"):
            target = item.get("item")
            url = target.get("@id") if isinstance(target, dict) else target
            if isinstance(url, str):
                return url.rstrip("/").rsplit("/", 1)[-1] or None
    return None


def _section_link_slug(f: _Fields) -> str | None:
    """The last path segment of the section link's href ("russia-fsu" of /category/russia-fsu/)."""
    href = f.page.selector.css(f.site.selectors.section).attrib.get("href") if f.site.selectors.section else None
    if not href:
        return None
    return urlsplit(href.strip()).path.rstrip("/").rsplit("/", 1)[-1] or None


def _body_links(f: _Fields) -> list[tuple[str, str]]:
    """(text, absolute URL) of every link in the body container, in document order."""
    container = f.page.selector.css(f.site.selectors.body)[:1] if f.site.selectors.body else []
    return [(normalize_line(link.xpath("string()").get()), urljoin(f.canonical_url, link.attrib["href"].strip()))
            for link in container.css("a[href]")] if container else []


def _url_section(f: _Fields) -> str | None:
    match = f.site.article_match(f.canonical_url)
    return match.group("section") if match and "section" in match.groupdict() else None


SOURCES: dict[str, dict[str, Source]] = {
    "canonical_url": {
        "opengraph": lambda f: f.page.meta.get("og:url"),
        "meta": lambda f: f.page.canonical_link,
        "crawl": lambda f: f.page.url,
    },
    "headline": {
        "json-ld": lambda f: _titled(f, _text(f.data.get("headline"))),
        "opengraph": lambda f: _titled(f, _text(f.page.meta.get("og:title"))),
        "selector": lambda f: f.css_text(f.site.selectors.headline),
        "generic": lambda f: generic_headline_of(f.page) or generic_headline(f.page, f.site.title_suffix),
    },
    "summary": {
        "json-ld": lambda f: _text(f.data.get("description")),
        "opengraph": lambda f: _text(f.page.meta.get("og:description")),
        "selector": lambda f: f.css_text(f.site.selectors.summary),
    },
    "body": {
        "selector": lambda f: f.body().paragraphs if f.body() else None,
        "generic": lambda f: generic_body(f.page),
        "json-ld": lambda f: split_paragraphs(f.data["articleBody"]) if isinstance(f.data.get("articleBody"), str) else None,
    },
    "authors": {
        "json-ld": lambda f: f.people("json-ld", jsonld_names(f.page, f.data.get("author"))),
        "meta": lambda f: f.people("meta", text_names(f.page, meta_authors(f.page))),
        "selector": lambda f: [name.removeprefix("By ").strip() for name in f.css_texts(f.site.selectors.authors)],
        "generic": lambda f: f.people("generic", byline_names(f.page)),
    },
    "published_at": {  # raw values: _Fields.published() weighs what each states
        "json-ld": lambda f: [f.data.get("datePublished")],
        "meta": lambda f: [f.page.meta.get(name) for name in PUBLISHED_META],
        "selector": lambda f: f.selector_values(f.site.selectors.published),
        "generic": lambda f: [generic_published(f.page)],
    },
    "modified_at": {
        "json-ld": lambda f: f.date(f.data.get("dateModified")),
        "meta": lambda f: f.date(f.page.meta.get("article:modified_time") or f.page.meta.get("og:updated_time")),
        "selector": lambda f: f.selector_date(f.site.selectors.modified),
    },
    "language": {
        "meta": lambda f: f.page.html_lang or f.page.meta.get("og:locale"),
        "json-ld": lambda f: _text(f.data.get("inLanguage")),
        "site": lambda f: f.site.language,
        "text": lambda f: detected_language(f.text),
    },
    "image": {
        "opengraph": lambda f: f.page.meta.get("og:image"),
        "json-ld": lambda f: _image_url(f.data.get("image")),
        "selector": lambda f: _srcset_first(f.page.selector.css(f.site.selectors.image).get()) if f.site.selectors.image else None,
    },
    "image.caption": {
        "selector": lambda f: f.css_text(f.site.selectors.image_caption),
        "json-ld": lambda f: _text(f.data.get("image", {}).get("caption")) if isinstance(f.data.get("image"), dict) else None,
    },
    "image.credit": {
        "selector": lambda f: (f.css_text(f.site.selectors.image_credit) or "").lstrip("©").strip() or None,
        "json-ld": lambda f: _text(f.data.get("image", {}).get("creditText")) if isinstance(f.data.get("image"), dict) else None,
    },
    "tags": {
        "json-ld": lambda f: _keywords(f.data.get("keywords")),
        "meta": lambda f: _keywords(f.page.selector.xpath('//meta[@property="article:tag"]/@content').getall()),
        "selector": lambda f: f.css_texts(f.site.selectors.tags),
    },
    "section": {
        "url": _url_section,
        "json-ld": _breadcrumb_section,
        "meta": lambda f: _text(f.page.meta.get("article:section")),
        "selector": _section_link_slug,
    },
    "section_name": {
        "site": lambda f: f.site.sections.get(f.section) if f.section else None,
        "meta": lambda f: _text(f.page.meta.get("article:section")),
        "selector": lambda f: f.css_text(f.site.selectors.section),
    },
    "source_url": {
        "selector": lambda f: f.page.selector.css(f.site.selectors.source).get() if f.site.selectors.source else None,
        "text": lambda f: f.copy.source_link if f.copy else None,
    },
}


def extract_article(page: Page, site: Site, *, fetched_at: datetime | None = None) -> Article:
    """The article record of ``page`` by ``site``'s rules. Missing fields stay empty; the
    validation pipeline decides whether the record is usable."""
    f = _Fields(page, site)
    # The fetched URL, canonicalised, when the page's own canonical URL is unusable.
    canonical = site.canonical(f.pick("canonical_url", SOURCES["canonical_url"]) or page.url) or site.canonical(page.url)
    f.canonical_url = canonical
    headline = f.pick("headline", SOURCES["headline"]) or ""
    visible = f.css_text(site.selectors.headline)
    if visible and headline != visible and visible.startswith(headline.rstrip("…. ")):
        headline, f.provenance["headline"] = visible, "selector"  # structured data cut it short
    summary = f.pick("summary", SOURCES["summary"])
    paragraphs = f.pick("body", SOURCES["body"]) or []
    if site.copies_articles:
        f.copy = clean_copy(paragraphs, headline, summary, _body_links(f))
        paragraphs = f.copy.paragraphs
        if f.copy.summary != summary:
            summary, f.provenance["summary"] = f.copy.summary, "text"
    authors = f.authors()
    # A body container may hold the byline or the signature: names are no article text.
    paragraphs = [text for text in paragraphs if not is_byline_line(text, authors)]
    # The lead opens the body only where the page shows it (a meta description may be hidden).
    lead = [summary] if summary and f.provenance.get("summary") in ("selector", "text") else []
    body = f.text = join_paragraphs(drop_repeats(lead + paragraphs, also=(headline,)))
    section = f.section = f.pick("section", SOURCES["section"])
    image_url = f.pick("image", SOURCES["image"])
    image = None
    if image_url:
        image = {
            "url": urljoin(canonical, image_url),
            "caption": f.pick("image.caption", SOURCES["image.caption"]),
            "credit": f.pick("image.credit", SOURCES["image.credit"]),
        }
        if image["caption"] and not image["credit"]:
            caption, credit = split_credit(image["caption"])
            if credit:  # "Caption. © Agency" in one element
                image.update(caption=caption, credit=credit)
                f.provenance["image.caption"] = f.provenance["image.credit"] = "text"
    related = f.body().related if f.body() else []
    if related:
        f.provenance["related"] = "selector"
    for title, href in f.copy.related if f.copy else ():
        url = canonical_url(href)
        if url is None:
            f.page.problems.append("teaser_without_link")
        elif all(item["url"] != url for item in related):
            related.append({"url": url, "headline": title})
            f.provenance["related"] = "text"
    source = f.pick("source_url", SOURCES["source_url"])
    article = Article(
        id=site.article_id(canonical),
        site=site.name,
        url=page.url,
        canonical_url=canonical,
        section=section,
        section_name=f.pick("section_name", SOURCES["section_name"]),
        headline=headline,
        summary=summary,
        body=body,
        authors=authors,
        published_at=f.published(),
        modified_at=f.pick("modified_at", SOURCES["modified_at"]),
        language=_language(f.pick("language", SOURCES["language"])),
        image=image,
        tags=f.pick("tags", SOURCES["tags"]) or [],
        related=related,
        source_url=canonical_url(urljoin(canonical, source)) if source else None,
        fetched_at=iso(fetched_at or datetime.now(timezone.utc)),
        provenance=f.provenance,
    )
    f.provenance["id"] = "url"
    return article


def _language(value: str | None) -> str | None:
    """'en_US' / 'en-us' -> 'en-US'; the primary tag lower-cased."""
    if not value:
        return None
    primary, _, rest = value.strip().replace("_", "-").partition("-")
    return f"{primary.lower()}-{rest.upper()}" if rest else primary.lower()
