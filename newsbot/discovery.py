"""Finding articles: feed entries (RSS/Atom) and links on listing pages, as pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from newsbot.extract.dates import parse_datetime

# No entity resolution, no network, no giant trees: feeds come from strangers.
_SAFE_XML = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=True)


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
        root = etree.fromstring(body, etree.XMLParser(**_SAFE_XML))
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML: {error}") from None
    if root is None or _local(root.tag) not in ("rss", "feed", "RDF"):
        raise ValueError(f"not a feed: root element {_local(getattr(root, 'tag', None))!r}")
    entries = []
    for node in root.iter():
        name = _local(node.tag)
        if name == "item":
            guid = _child_text(node, "guid")
            url = guid if guid and guid.startswith("http") else _child_text(node, "link")
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
