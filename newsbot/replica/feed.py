"""The real RT RSS feed the replica is built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree, html

DEFAULT_FEED = Path(__file__).parent / "data" / "rt-rss-2024-12-06.xml"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"


@dataclass(frozen=True)
class FeedArticle:
    id: int
    url: str
    section: str
    slug: str
    headline: str
    description: str
    published: datetime
    thumbnail: str
    content_html: str

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


def load_feed(path: str | Path | None = None) -> list[FeedArticle]:
    """Parse an RT RSS file into articles, in feed order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    tree = etree.parse(str(path or DEFAULT_FEED), parser)
    return [_article(item) for item in tree.iterfind("channel/item")]


def _article(item: etree._Element) -> FeedArticle:
    url = item.findtext("guid").strip()
    section, id_slug = urlsplit(url).path.strip("/").split("/")
    article_id, slug = id_slug.split("-", 1)
    return FeedArticle(
        id=int(article_id),
        url=url,
        section=section,
        slug=slug,
        headline=item.findtext("title").strip(),
        description=_description_text(item.findtext("description")),
        published=parsedate_to_datetime(item.findtext("pubDate")).astimezone(timezone.utc),
        thumbnail=item.find("enclosure").get("url"),
        # lxml joins the CDATA sections of content:encoded into one text.
        content_html=item.findtext(f"{CONTENT_NS}encoded"),
    )


def _description_text(description_html: str) -> str:
    """The description without its preview image and "Read Full Article" link."""
    fragment = html.fragment_fromstring(description_html, create_parent="div")
    for element in fragment.xpath(".//img | .//a"):
        element.drop_tree()
    return " ".join(fragment.text_content().split())
