"""Finding articles, as pure functions: feed entries (RSS/Atom), the feeds a page announces,
sitemaps (robots.txt, indexes, news sitemaps) and the article links of listing pages."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsbot.extract.dates import parse_datetime
from newsbot.listing import is_article_url

# No entity resolution, no network, no giant trees: feeds come from strangers.
_SAFE_XML = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=True)
# A feed needs no DTD. Its internal subset is removed before parsing: libxml2 stops at an
# entity bomb even unexpanded, and its recovery then drops every item without an error.
_DOCTYPE = re.compile(rb"<!DOCTYPE(?:[^\[>\"']|\"[^\"]*\"|'[^']*')*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)


def parse_untrusted_xml(body: bytes):
    """The root element of an XML document from a stranger: no DTD, no entity, no network."""
    return etree.fromstring(_DOCTYPE.sub(b"", body, count=1), etree.XMLParser(**_SAFE_XML))


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published: datetime | None


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(node, *names: str) -> str | None:
    for child in node:
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def feed_entries(body: bytes) -> list[FeedEntry]:
    """Entries of an RSS 2.0 or Atom feed. <guid> (when it is a URL) beats <link>, which often
    carries tracking parameters. Raises ValueError for a document that is not a feed."""
    try:
        root = parse_untrusted_xml(body)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML: {error}") from None
    if root is None or _local(root.tag) not in ("rss", "feed", "RDF"):
        raise ValueError(f"not a feed: root element {_local(getattr(root, 'tag', None))!r}")
    entries = []
    for node in root.iter():
        name = _local(node.tag)
        if name == "item":
            guid = _child_text(node, "guid")
            # isPermaLink="false": an id that merely looks like a URL (WordPress' "?p=123" shortlink)
            permalink = next((child.get("isPermaLink") for child in node if _local(child.tag) == "guid"), None) != "false"
            url = guid if guid and guid.startswith("http") and permalink else _child_text(node, "link")
            date = _child_text(node, "pubDate", "date")
        elif name == "entry":
            link = next((child for child in node if _local(child.tag) == "link"
                         and child.get("rel", "alternate") == "alternate"), None)
            url = link.get("href") if link is not None else None
            date = _child_text(node, "published", "updated")
        else:
            continue
        if url:
            entries.append(FeedEntry(url=url.strip(), title=_child_text(node, "title"), published=parse_datetime(date)))
    return entries


# -- sitemaps: robots.txt "Sitemap:" lines, sitemap indexes, (news) sitemaps --

NEWS_NAMESPACE = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's limit, uncompressed


@dataclass(frozen=True)
class SitemapEntry:
    """A <url> of a sitemap, with the fields of its <news:news> block when it has one (Scrapy's
    sitemap parser drops them)."""

    url: str
    modified: datetime | None = None  # <lastmod>
    published: datetime | None = None  # <news:publication_date>
    title: str | None = None  # <news:title>
    language: str | None = None  # <news:publication><news:language>


@dataclass(frozen=True)
class Sitemap:
    entries: tuple[SitemapEntry, ...] = ()  # of a <urlset>
    sitemaps: tuple[str, ...] = ()  # of a <sitemapindex>: the sitemaps it lists


def robots_sitemaps(robots_txt: bytes, robots_url: str) -> list[str]:
    """The sitemaps a robots.txt declares on its "Sitemap:" lines, absolute."""
    from scrapy.utils.sitemap import sitemap_urls_from_robots

    return list(dict.fromkeys(sitemap_urls_from_robots(robots_txt, base_url=robots_url)))


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap or sitemap index, plain or gzipped. Raises ValueError for anything else (an
    HTML error page, broken XML, a decompression bomb)."""
    if body[:2] == b"\x1f\x8b":
        from scrapy.utils.gz import gunzip

        try:
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        except (OSError, EOFError, ValueError, zlib.error) as error:
            raise ValueError(f"bad gzip: {error}") from None
    try:
        root = parse_untrusted_xml(body)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML: {error}") from None
    kind = _local(getattr(root, "tag", None))
    if kind == "sitemapindex":
        return Sitemap(sitemaps=tuple(dict.fromkeys(
            loc for node in root if _local(node.tag) == "sitemap" and (loc := _child_text(node, "loc")))))
    if kind != "urlset":
        raise ValueError(f"not a sitemap: root element {kind!r}")
    return Sitemap(entries=tuple(entry for node in root if _local(node.tag) == "url" and (entry := _url_entry(node))))


def _url_entry(node) -> SitemapEntry | None:
    loc = _child_text(node, "loc")
    if not loc:
        return None
    news = next((child for child in node if _local(child.tag) == "news"
                 and etree.QName(child).namespace == NEWS_NAMESPACE), None)
    publication = next((child for child in news if _local(child.tag) == "publication"), None) if news is not None else None
    return SitemapEntry(
        url=loc,
        modified=parse_datetime(_child_text(node, "lastmod")),
        published=parse_datetime(_child_text(news, "publication_date")) if news is not None else None,
        title=_child_text(news, "title") if news is not None else None,
        language=_child_text(publication, "language") if publication is not None else None,
    )


# -- pages: the feeds they announce, the links that are articles --

FEED_TYPES = frozenset(("application/rss+xml", "application/atom+xml", "application/rdf+xml"))
COMMENTS_FEED = re.compile(r"/comments/feed/?$|\bcomments\b", re.IGNORECASE)


def announced_feeds(selector, page_url: str) -> list[str]:
    """The RSS/Atom feeds a page announces (``<link rel="alternate" type="application/rss+xml">``),
    absolute, comment feeds left out. ``selector``: the page parsed by parsel."""
    feeds = []
    for link in selector.css('link[rel~="alternate"][href]'):
        kind = (link.attrib.get("type") or "").split(";")[0].strip().lower()
        url = urljoin(page_url, link.attrib["href"].strip())
        if kind in FEED_TYPES and not COMMENTS_FEED.search(url) and not COMMENTS_FEED.search(link.attrib.get("title", "")):
            feeds.append(url)
    return list(dict.fromkeys(feeds))


# Link scores: an article link needs ARTICLE_SCORE. A URL shaped as an article's (newsbot.listing)
# gives 3 and the place and text of the link can overrule it (a dated URL in the menu is not an
# article of this section); an opaque URL passes only as a headline in a heading of the content.
ARTICLE_SCORE = 3
CHROME = "nav, header, footer, aside, [role=navigation], [role=banner], [role=contentinfo], [role=complementary]"
CONTENT = "article, main, [role=main]"
HEADING = "h1, h2, h3, h4"
NOT_ARTICLE_RELS = frozenset(("tag", "category", "author", "next", "prev", "alternate"))
HEADLINE_WORDS = 4


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    in_chrome: bool = False  # inside navigation, a header, a footer or a sidebar
    in_content: bool = False  # inside the main content or an article
    in_heading: bool = False
    rel: frozenset[str] = frozenset()


def page_links(selector, page_url: str) -> list[Link]:
    """Every ``<a href>`` of a page (parsed by parsel) with what the classifier looks at."""
    def inside(css: str) -> set:
        return {node.root for node in selector.css(css).css("a[href]")}

    chrome, content, heading = inside(CHROME), inside(CONTENT), inside(HEADING)
    links = []
    for node in selector.css("a[href]"):
        href = node.attrib["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        links.append(Link(url=urljoin(page_url, href), text=" ".join(node.xpath("string()").get().split()),
                          in_chrome=node.root in chrome, in_content=node.root in content,
                          in_heading=node.root in heading, rel=frozenset(node.attrib.get("rel", "").lower().split())))
    return links


def link_score(link: Link, section_url: str) -> int | None:
    """The article score of ``link`` on the listing page of ``section_url``; None: never one
    (another host, or a tag, author or pagination link)."""
    if urlsplit(link.url).hostname != urlsplit(section_url).hostname or link.rel & NOT_ARTICLE_RELS:
        return None
    words = len(link.text.split())
    return ((3 if is_article_url(link.url, section_url) else 0) + (-3 if link.in_chrome else 0)
            + (1 if link.in_content else 0) + (1 if link.in_heading else 0)
            + (1 if words >= HEADLINE_WORDS else -1 if words <= 1 else 0))


def article_links(selector, page_url: str, section_url: str | None = None) -> list[str]:
    """The links of a listing page that are articles of its section (``section_url``, by default
    the page itself), told from navigation by URL and place on the page; in page order, once."""
    section_url = section_url or page_url
    return list(dict.fromkeys(link.url for link in page_links(selector, page_url)
                              if (score := link_score(link, section_url)) is not None and score >= ARTICLE_SCORE))
