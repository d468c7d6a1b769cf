"""Authors are people: names from JSON-LD, meta tags or the visible byline, organisations aside.

A page may name its authors as joined strings ("A and B", "A und B, dpa"), as author-page URLs,
e-mail addresses or ids, or give its own organisation where no person wrote. Each source here
yields people only; the organisations they name are kept apart and used only when the page
names no person (newsbot.extract.article says so in the provenance).
"""

from __future__ import annotations

import re
from typing import Any

from newsbot.extract.headline import site_names
from newsbot.extract.page import Page
from newsbot.text import normalize_key, normalize_line

# Words that join two names, in the languages of the benchmarks' pages, and list punctuation.
JOINERS = re.compile(r"\s*(?:[,;|·•、]|\s(?:/|and|und|&|og|och|et|y|e|en|i|ve|и|a)\s)\s*", re.IGNORECASE)
# "By", "Von", "Por", "Par", "Av", "Di", "Door", "Af", "Autor:", "Text:" opening a byline.
BYLINE_OPENER = re.compile(r"^(?:(?:by|von|por|par|av|di|door|af|de|da|från|fra|od|text|autor(?:in|en)?|author|"
                           r"written by|reported by)\b\s*:?\s*)+", re.IGNORECASE)
NOT_A_NAME = re.compile(r"https?:|www\.|\S@\S|^[\W\d_]+$|^\d")  # URLs, e-mails, ids
HOST_NAME = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)  # "mdr.de": the site, not a person
# Words that make a name an organisation's: newsroom, agency, channel (several languages).
ORGANISATION_WORDS = re.compile(
    r"\b(?:news|nachrichten|redaktion|agentur|agency|press|presse|staff|team|desk|newsroom|online|zeitung|"
    r"times|media|medien|tv|radio|ajansı|welle|verlag|editorial|editors?|reporters)\b", re.IGNORECASE)
# A role or place after a name ("Jane Doe, Senior Reporter"): never a name itself.
ROLE = re.compile(r"^(?:(?:senior|chief|staff|political|foreign|deputy|managing|contributing|freelance|"
                  r"associate)\s+)*(?:reporter|correspondent|journalist|writer|editor|columnist|photographer|"
                  r"contributor|redakteur(?:in)?|korrespondent(?:in)?|autor(?:in)?|reporterin|fotograf(?:in)?|"
                  r"journaliste|periodista|redattore|giornalista)s?$", re.IGNORECASE)
MAX_NAME_WORDS = 5
# Byline markup: an author's itemprop, rel=author, or a class naming the author or byline; never in
# comments, quotes, teasers or related lists.
BYLINE = ('//*[@itemprop="author" or @rel="author" or contains(translate(@class, "AB", "ab"), "author") '
          'or contains(translate(@class, "B", "b"), "byline")]')
# Matched at the start of a class name's word ("article-comments", "postAvatar"), never inside
# one ("softbranding", "timeline-more" aside).
NOT_BYLINE = re.compile(r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))"
                        r"(?i:comment|quote|teaser|related|avatar|image|photo|bio|more|list-title|social|brand)")


def split_names(text: str) -> list[str]:
    """One string of authors as separate names, openers ("By", "Von") and non-names dropped."""
    text = BYLINE_OPENER.sub("", normalize_line(text))
    if NOT_A_NAME.match(text) or re.match(r"https?:|www\.", text):
        return []
    names = (normalize_line(BYLINE_OPENER.sub("", part)) for part in JOINERS.split(text))
    return [name for name in names if name and not NOT_A_NAME.search(name) and not ROLE.match(name)
            and len(name.split()) <= MAX_NAME_WORDS]


class Names:
    """People and organisations a source names, in order."""

    def __init__(self, page: Page):
        self.site = site_names(page)
        self.people: list[str] = []
        self.organisations: list[str] = []

    def add(self, name: str, organisation: bool | None = None) -> None:
        """``organisation`` as the source types it; None: judged from the name."""
        key = normalize_key(name)
        if organisation is None:
            organisation = self._is_organisation(key, name)
        elif not organisation:
            organisation = self._names_site(key)  # a "Person" named as the site is the site
        target = self.organisations if organisation else self.people
        if key and all(normalize_key(other) != key for other in target):
            target.append(name)

    def _is_organisation(self, key: str, name: str) -> bool:
        return bool(HOST_NAME.match(name)) or self._names_site(key) or bool(ORGANISATION_WORDS.search(name))

    def _names_site(self, key: str) -> bool:
        compact = key.replace(" ", "")
        return any(compact == site.replace(" ", "") or (len(site) >= 3 and site.replace(" ", "") in compact)
                   for site in self.site)


# Meta tags naming the author: the standard ones, then the analytics tags news CMSs fill for
# the same purpose. One tag per author is common, so every tag of each name is read.
AUTHOR_META = ("author", "article:author", "article:author_name", "dc.creator", "parsely-author", "sailthru.author",
               "cxenseparse:author")


def meta_authors(page: Page) -> list[str]:
    """The values of every author meta tag, in the order of ``AUTHOR_META``."""
    values = []
    for name in AUTHOR_META:
        values += page.selector.root.xpath("//meta[translate(@name, $upper, $lower) = $name or "
                                           "translate(@property, $upper, $lower) = $name]/@content",
                                           upper="ABCDEFGHIJKLMNOPQRSTUVWXYZ", lower="abcdefghijklmnopqrstuvwxyz", name=name)
    return [value.strip() for value in values if value.strip()]


def _by_id(page: Page, reference: str) -> dict:
    return next((obj for obj in page.jsonld if obj.get("@id") == reference and len(obj) > 1), {})


def jsonld_names(page: Page, value: Any) -> Names:
    """People of a JSON-LD ``author``: Person objects (by name or given and family name, @id
    references resolved), strings split; Organization objects kept apart."""
    names = Names(page)
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, list):  # a nested list, as some CMSs write
            nested = jsonld_names(page, item)
            names.people += [n for n in nested.people if n not in names.people]
            names.organisations += [n for n in nested.organisations if n not in names.organisations]
            continue
        if isinstance(item, dict) and set(item) <= {"@id", "@type"} and isinstance(item.get("@id"), str):
            item = _by_id(page, item["@id"]) or item
        if isinstance(item, str):
            for name in split_names(item):
                names.add(name)
            continue
        if not isinstance(item, dict):
            continue
        kind = item.get("@type")
        kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            given, family = item.get("givenName"), item.get("familyName")
            name = " ".join(part for part in (given, family) if isinstance(part, str) and part.strip())
        # A typed object is what it says it is (a Person named "AP" is the publisher's call).
        organisation = any("Organization" in kind for kind in kinds) or (None if not kinds else False)
        for part in split_names(name) if isinstance(name, str) else ():
            names.add(part, organisation)
    return names


def text_names(page: Page, texts: list[str]) -> Names:
    names = Names(page)
    for text in texts:
        for name in split_names(text):
            names.add(name)
    return names


def byline_names(page: Page) -> Names:
    """People of the first visible byline: the innermost author element outside comments and teasers."""
    names = Names(page)
    bylines = page.selector.root.xpath(BYLINE)
    outer = {ancestor for element in bylines for ancestor in element.iterancestors()}
    for element in bylines:
        if element in outer:  # the innermost byline element holds the names alone
            continue
        classes = " ".join(filter(None, (element.get("class"), element.get("id"))))
        if NOT_BYLINE.search(classes) or element.tag in ("meta", "link", "script", "img"):
            continue
        if any(NOT_BYLINE.search(" ".join(filter(None, (a.get("class"), a.get("id"))))) for a in element.iterancestors()):
            continue
        text = normalize_line(" ".join(element.itertext()))
        if not text or len(text.split()) > 3 * MAX_NAME_WORDS:
            continue
        for name in split_names(text):
            names.add(name)
        if names.people:
            # One element per author: the sibling author elements name the others.
            for sibling in element.itersiblings():
                if sibling in bylines and sibling not in outer and sibling.tag == element.tag:
                    for name in split_names(normalize_line(" ".join(sibling.itertext()))):
                        names.add(name)
            return names
    return names


BYLINE_LINE_EXTRA_WORDS = 2  # "By", "Published", a site's name: what a byline line adds to the names


def is_byline_line(line: str, authors: list[str]) -> bool:
    """``line`` is a byline or signature, not article text: it names one of ``authors`` (whole
    words) and says at most BYLINE_LINE_EXTRA_WORDS words more ("Nikita Mazurov", "Jane Doe|Published")."""
    words = normalize_key(line).split()
    for author in authors:
        name = normalize_key(author).split()
        for start in range(len(words) - len(name) + 1) if name else ():
            if words[start:start + len(name)] == name:
                return len(words) - len(name) <= BYLINE_LINE_EXTRA_WORDS
    return False
