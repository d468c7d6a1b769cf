"""The headline without the site's name, section or date: learnt from the page, not from a list.

Structured titles (JSON-LD headline, og:title, twitter:title, <title>) often carry the site's name,
a section or a date after a separator ("Title | Europa | DW | 28.04.2023"). What to cut is learnt
from the page itself, not from a list: the names the page gives itself (og:site_name,
application-name, the JSON-LD publisher, the labels of its host), and the tail that <title> adds
to a title the page states elsewhere ("Title - n-tv.de" beside og:title "Title").
The first structured title wins (og:title: the one written for readers), cleaned, and is given
in the visible <h1>'s typography when an <h1> (or its part without a kicker) reads the same.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsbot.extract.page import Page
from newsbot.text import normalize_key, normalize_line

# Separators between a title and its site, section or date (spaced, so hyphenated words stay).
SEPARATOR = re.compile(r"\s+[|·•—–\-:»›/]\s+|\s*[｜|]\s*")
DATE_PART = re.compile(r"^[\d\s./-]+$|^\d{1,2}\.\s?\w+\s\d{4}$")
SECTION_WORDS = 3  # a segment beside a site name that is this short is its section


def site_names(page: Page) -> set[str]:
    """Keys of the names the page gives its site: og:site_name, application-name, the JSON-LD
    publisher, and its host's labels ("n-tv.de" -> "n tv de", "n tv")."""
    names = [page.meta.get("og:site_name"), page.meta.get("application-name"), page.meta.get("twitter:site")]
    publisher = page.article_data.get("publisher")
    if isinstance(publisher, dict):
        names.append(publisher.get("name"))
    host = (urlsplit(page.url).hostname or "").removeprefix("www.")
    names += [host, host.rsplit(".", 1)[0]]
    keys = {normalize_key(name.lstrip("@")) for name in names if isinstance(name, str)}
    return {key for key in keys if key}


def _is_site_part(part: str, names: set[str]) -> bool:
    """``part`` of a title names the site: one of ``names``, spaced or not, or inside one."""
    key = normalize_key(part)
    if not key:
        return True
    compact = key.replace(" ", "")
    return any(key == name or compact == name.replace(" ", "") or
               (len(compact) >= 3 and compact in name.replace(" ", "")) or
               (len(name) >= 3 and name.replace(" ", "") in compact and len(key.split()) <= 4)
               for name in names)


def strip_site(title: str, names: set[str]) -> str:
    """``title`` without the site name (one of ``names``, keys), section and date around it."""
    title = normalize_line(title)
    parts = SEPARATOR.split(title)
    if len(parts) == 1:
        return title
    cut_site = False
    # From the end: dates, site names, and the sections beside a site name.
    while len(parts) > 1:
        last = parts[-1]
        if DATE_PART.match(last) or _is_site_part(last, names):
            cut_site = cut_site or not DATE_PART.match(last)
            parts.pop()
        elif cut_site and len(last.split()) <= SECTION_WORDS and len(" ".join(parts[:-1]).split()) >= 3:
            parts.pop()
        else:
            break
    # From the start: a site name opening the title ("DW | Title").
    while len(parts) > 1 and _is_site_part(parts[0], names):
        parts.pop(0)
    if len(parts) == len(SEPARATOR.split(title)):
        return title
    # Cut the original text at the kept parts' ends, keeping its own separators.
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip()


def title_tails(page: Page, titles: list[str]) -> set[str]:
    """The parts <title> adds after a title the page states elsewhere (keys): site, section."""
    title = normalize_line(page.selector.xpath("string(//title)").get() or "")
    tails = set()
    for other in titles:
        if other and title.startswith(other) and len(title) > len(other):
            tails.update(normalize_key(part) for part in SEPARATOR.split(title[len(other):]))
    tails.discard("")
    return tails


def structured_titles(page: Page) -> list[str]:
    values = [page.meta.get("og:title"), page.article_data.get("headline"), page.meta.get("twitter:title")]
    return [normalize_line(value) for value in values if isinstance(value, str) and value.strip()]


def clean_title(page: Page, title: str) -> str:
    """``title`` of ``page`` without its site's name, section and date."""
    names = site_names(page) | title_tails(page, structured_titles(page))
    return strip_site(title, names)


def generic_headline_of(page: Page) -> str | None:
    """The page's first title (og:title, JSON-LD, Twitter's, else <title>) without site, section
    and date: structured data first. In the <h1>'s own typography when an <h1> (or an element
    of it, without its kicker) reads the same."""
    titles = structured_titles(page) or [normalize_line(page.selector.xpath("string(//title)").get() or "")]
    if not titles[0]:
        return None
    chosen = clean_title(page, titles[0])
    key = normalize_key(chosen)
    for heading in page.selector.root.iter("h1"):
        for element in heading.iter():
            if not isinstance(element.tag, str):
                continue
            # Unspaced first: a kicker's span and the title's touch ("Kicker: Title").
            for text in (normalize_line("".join(element.itertext())), normalize_line(" ".join(element.itertext()))):
                if text and normalize_key(text) == key:
                    return text
    return chosen
