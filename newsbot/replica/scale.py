"""RT's "Russia & FSU" section at any size, for speed and memory benchmarks.

``ReplicaSite.scaled(n)`` (or ``newsbot serve --articles N``) serves ``n`` articles recombined
from the real feed's texts: article ``i`` takes its headline from halves of two real headlines,
the lead, description and cover of the first, and 8 to 20 body elements (paragraphs, headings,
quotes, teasers, tweets, videos, figures) drawn from all real articles. Ids count down and
publication dates go back in time with ``i``, as on the real site. Article ``i`` depends on
``i`` alone, so a smaller site is the newest part of a larger one, and the same ``n`` always
gives the same site. Markup, noise, "More" pagination and the section feed are the normal
replica's; the feed lists the newest 100 articles, as RT's does.

``prerender()`` renders every article page once and keeps it zlib-compressed (5 KB of a 16 KB
page): a server of 10,000 articles then answers from memory, renders nothing while a benchmark
runs, and holds 48 MB of pages instead of 160 MB (about 170 MB in all, the articles' texts included).
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from lxml import etree, html

from .content import SITE, _is_lead, article_model
from .feed import FeedArticle, load_feed
from .site import ReplicaSite

SECTION = "russia"
NEWEST_ID = 1_999_999  # ids count down with age; far above the real feed's (608xxx), so never confused
FEED_SIZE = 100  # items in RT's real feed
SPACING = timedelta(minutes=30)  # between consecutive articles, plus a jitter below it
BODY_ELEMENTS = (8, 20)  # a real article has 16 top-level elements on average


@dataclass(frozen=True)
class TextPool:
    """The real feed's texts, cut into the pieces scaled articles are made of."""

    sources: tuple[FeedArticle, ...]
    leads: dict[int, str]  # source id -> its lead paragraph's markup
    elements: tuple[str, ...]  # every other top-level body element once (a tweet with its script)
    newest: datetime


@cache
def text_pool() -> TextPool:
    sources = tuple(load_feed())
    leads, elements = {}, {}
    for source in sources:
        nodes = list(html.fragment_fromstring(source.content_html, create_parent="div"))
        if nodes and _is_lead(nodes[0]):
            leads[source.id] = _markup(nodes.pop(0))
        for markup in _element_markups(nodes):
            elements.setdefault(markup, None)  # repeated elements (a stock quote) once
    return TextPool(sources, leads, tuple(elements), max(source.published for source in sources))


def _element_markups(nodes: list[html.HtmlElement]) -> Iterator[str]:
    """Each element's markup; a tweet's widget script stays with the tweet before it."""
    pending = None
    for node in nodes:
        if node.tag == "script" and pending is not None:
            pending += "\n" + _markup(node)
            continue
        if pending is not None:
            yield pending
        pending = _markup(node)
    if pending is not None:
        yield pending


def _markup(node: html.HtmlElement) -> str:
    return etree.tostring(node, method="html", encoding="unicode", with_tail=False)


def scaled_article(index: int, pool: TextPool | None = None) -> FeedArticle:
    """The ``index``-th newest article of every scaled site (0 is the newest)."""
    pool = pool or text_pool()
    rng = random.Random(index)
    first, second = rng.sample(pool.sources, 2)
    headline = _half(first.headline, first_half=True) + " " + _half(second.headline, first_half=False)
    article_id = NEWEST_ID - index
    slug = "-".join(re.findall(r"[a-z0-9]+", headline.lower())[:8])
    body = rng.sample(pool.elements, rng.randint(*BODY_ELEMENTS))
    lead = [pool.leads[first.id]] if first.id in pool.leads else []
    # Strictly older with each index: the jitter stays below the spacing.
    published = pool.newest - index * SPACING - timedelta(seconds=rng.randrange(int(SPACING.total_seconds() * 2 / 3)))
    return FeedArticle(
        id=article_id,
        url=f"{SITE}/{SECTION}/{article_id}-{slug}/",
        section=SECTION,
        slug=slug,
        headline=headline,
        description=first.description,
        published=published,
        thumbnail=first.thumbnail,
        content_html="\n".join(lead + body),
    )


def _half(headline: str, first_half: bool) -> str:
    words = headline.split()
    middle = (len(words) + 1) // 2
    return " ".join(words[:middle] if first_half else words[middle:] or words[-1:])


def scaled_articles(count: int) -> list[FeedArticle]:
    """The ``count`` newest articles of a scaled site, newest first."""
    if count < 1:
        raise ValueError(f"a scaled site needs at least one article, not {count}")
    pool = text_pool()
    return [scaled_article(index, pool) for index in range(count)]


class CompressedPages(MutableMapping):
    """Rendered pages by key, stored zlib-compressed and inflated on each read."""

    def __init__(self):
        self._pages: dict = {}

    def __getitem__(self, key) -> bytes:
        return zlib.decompress(self._pages[key])

    def __setitem__(self, key, page: bytes) -> None:
        self._pages[key] = zlib.compress(page)

    def __contains__(self, key) -> bool:
        return key in self._pages  # without inflating the page

    def __delitem__(self, key) -> None:
        del self._pages[key]

    def __iter__(self):
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)

    def stored_bytes(self) -> int:
        return sum(len(page) for page in self._pages.values())


class ScaledSite(ReplicaSite):
    """A replica of the section with ``count`` scaled articles (see the module docstring)."""

    # Each model is needed once, to render its page: not kept in article_model's cache.
    _model = staticmethod(article_model.__wrapped__)

    def __init__(self, count: int, page_size: int = 8):
        super().__init__(scaled_articles(count), page_size, feed_size=FEED_SIZE)
        self._article_pages = CompressedPages()

    def prerender(self) -> None:
        """Render every article page now, so that serving them costs no rendering (a benchmark
        measures the crawler, not the replica)."""
        for article in self.articles:
            self.get(article.path)
