"""Listing pages of sites without a URL scheme of their own: which links are articles, which one is
the next page. Pure functions of URLs and parsed pages, so each rule is tested alone; site modules
that know their URLs (RT) use their own patterns instead."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

# Path segments of pages that list or serve articles without being one.
NOT_ARTICLE_SEGMENTS = frozenset(
    "category categories tag tags topic topics page author authors search feed rss atom comments trackback "
    "embed attachment wp-content wp-admin wp-includes wp-json wp-login.php xmlrpc.php amp".split()
)
# Pages every site has and that are never news (first path segment).
STATIC_PAGE = re.compile(r"^(about|contact|privacy|terms|cookie|advertis|impressum|imprint|sitemap|login|"
                         r"register|account|subscribe|donate|faq|help)", re.IGNORECASE)
NOT_ARTICLE_FILE = re.compile(r"\.(xml|rss|json|jpe?g|png|gif|webp|svg|css|js|pdf|mp[34]|zip|ico)$", re.IGNORECASE)
DATED_PATH = re.compile(r"^/(?:[^/]+/)*\d{4}/\d{1,2}/(?:\d{1,2}/)?[^/]+/?$")
# A slug that reads as a headline: three words or more, or a numeric id joined to words.
HEADLINE_SLUG = re.compile(r"^(?:[^\W_]+-){2,}[^\W_]+(?:\.html?)?$|^\d{3,}-[\w-]+$|^[\w-]+-\d{4,}(?:\.html?)?$")
# Link texts of "next page" / "older posts" controls, English and Russian.
NEXT_TEXT = re.compile(r"^(?:next(?: page)?|older(?: posts| entries)?|следующая(?: страница)?|предыдущие записи|"
                       r"старые записи)\s*[»›→]*$|^[»›→]$", re.IGNORECASE)
PAGE_IN_PATH = re.compile(r"/page/(\d+)/?$")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def is_article_url(url: str, section_url: str) -> bool:
    """Whether ``url``, linked from the section page ``section_url``, looks like an article of it:
    the same host; not a listing, feed, author, search, static or file URL; and a dated path, a
    headline-like slug, a slug below the section's own path, or WordPress' ``?p=123``."""
    parts, section = urlsplit(url), urlsplit(section_url)
    if _host(url) != _host(section_url) or parts.scheme not in ("http", "https"):
        return False
    query = dict(parse_qsl(parts.query))
    if query:  # other queries list, search or share
        return parts.path in ("", "/") and set(query) == {"p"} and query["p"].isdigit()
    section_path = section.path.rstrip("/")
    below_section = bool(section_path) and parts.path.startswith(section_path + "/")
    segments = _segments(parts.path[len(section_path):] if below_section else parts.path)
    if not segments or NOT_ARTICLE_SEGMENTS & {segment.lower() for segment in segments} \
            or NOT_ARTICLE_FILE.search(parts.path):
        return False
    if len(segments) == 1 and not below_section and STATIC_PAGE.match(segments[0]):
        return False
    return bool(DATED_PATH.match(parts.path) or HEADLINE_SLUG.match(segments[-1])
                or (below_section and re.search(r"[^\W\d_]", segments[-1])))


def next_page_url(selector, page_url: str) -> str | None:
    """The next page of a listing (``selector``: the page parsed by parsel), by the conventions
    sites share: ``rel=next``, a "next"/"older posts" link, then the link to ``/page/N+1/``."""
    for href in selector.css('link[rel~="next"]::attr(href), a[rel~="next"]::attr(href)').getall():
        return urljoin(page_url, href.strip())
    for link in selector.css("a[href]"):
        text = " ".join(link.xpath("string()").get().split())
        if NEXT_TEXT.match(text):
            return urljoin(page_url, link.attrib["href"].strip())
    current = PAGE_IN_PATH.search(urlsplit(page_url).path)
    number = int(current.group(1)) + 1 if current else 2
    base = PAGE_IN_PATH.sub("/", urlsplit(page_url).path) if current else urlsplit(page_url).path
    wanted = base.rstrip("/") + f"/page/{number}/"
    for href in selector.css("a::attr(href)").getall():
        if urlsplit(urljoin(page_url, href.strip())).path.rstrip("/") == wanted.rstrip("/"):
            return urljoin(page_url, href.strip())
    return None
