"""The replica site: maps request paths to RT pages built from feed articles."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import pages
from .content import SITE, article_model, clean_text
from .feed import FeedArticle, load_feed
from .sections import section_info, section_order

Response = tuple[int, str, bytes]  # status, content type, body

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ROBOTS = "User-agent: *\nAllow: /\n"
# "normal"; "challenge": every page but robots.txt is a Cloudflare challenge (HTTP 403);
# "drifted": article pages in a redesigned layout (renamed classes, same structured data).
MODES = ("normal", "challenge", "drifted")
MAX_LISTING_LIMIT = 1000
MOST_READ_SIZE = 5
# Query the real site appends to links in its "Most read" widget.
WIDGET_TRACKING = "?utm_source=rt&utm_medium=most_read&utm_campaign=sidebar"

ARTICLE_PATH = re.compile(
    r"/(?P<section>[\w-]+)/(?P<article_id>\d+)-(?P<slug>[\w-]+)/(?P<amp>amp/)?"
)
SECTION_PATH = re.compile(r"/(?P<section>[\w-]+)/")
LISTING_PATH = re.compile(
    r"/listing/category\.(?P<section>[\w-]+)\.xwidget\.(?P=section)Widgets"
    r"/prepare/last-news/(?P<limit>\d+)/(?P<page>\d+)"
)
RSS_PATH = re.compile(r"/rss/(?:(?P<section>[\w-]+)/)?")
TRENDS_PATH = re.compile(r"/trends/(?P<slug>[a-z0-9-]+)/")


def listing_path(section: str, limit: int, page: int) -> str:
    """The path of a "More" fragment: `limit` cards, 0-based `page`."""
    return f"/listing/category.{section}.xwidget.{section}Widgets/prepare/last-news/{limit}/{page}"


def newest_first(articles: Iterable[FeedArticle]) -> list[FeedArticle]:
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)


class ReplicaSite:
    """RT's sections, listings, feeds and articles for a set of feed articles."""

    _model = staticmethod(article_model)  # how a page's article model is had (cached here)

    def __init__(self, articles: Iterable[FeedArticle] = (), page_size: int = 8, mode: str = "normal",
                 feed_size: int | None = None):
        """`feed_size`: the RSS feeds list only the newest N articles (None: all, as the replica of
        the real feed does)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.page_size = page_size
        self.mode = mode
        self._articles: dict[int, FeedArticle] = {}
        self._article_pages: dict[tuple[int, bool], bytes] = {}
        self._feed_size = feed_size
        self._order: _Order | None = None
        for article in articles:
            self.add(article)
        self._routes: list[tuple[re.Pattern[str], Callable[..., Response | None]]] = [
            (ARTICLE_PATH, self._article),
            (LISTING_PATH, self._listing),
            (RSS_PATH, self._rss),
            (TRENDS_PATH, self._trend),
            (SECTION_PATH, self._section),
        ]

    @classmethod
    def from_feed(
        cls, path: str | Path | None = None, *, limit: int | None = None, page_size: int = 8,
        mode: str = "normal",
    ) -> ReplicaSite:
        """The site of a feed file; `limit` keeps only the newest N articles per section."""
        articles = newest_first(load_feed(path))
        if limit is not None:
            by_section: dict[str, list[FeedArticle]] = {}
            for article in articles:
                by_section.setdefault(article.section, []).append(article)
            articles = [a for section in by_section.values() for a in section[:limit]]
        return cls(articles, page_size, mode)

    @classmethod
    def scaled(cls, articles: int, page_size: int = 8) -> ReplicaSite:
        """The section "russia" with `articles` articles recombined from the real feed's texts,
        deterministically (newsbot.replica.scale): for speed and memory benchmarks."""
        from .scale import ScaledSite  # it builds on this module

        return ScaledSite(articles, page_size)

    def add(self, article: FeedArticle) -> None:
        """Publish one more article (e.g. to simulate a site that grows between runs)."""
        if article.id in self._articles:
            raise ValueError(f"article {article.id} is already on the site")
        self._articles[article.id] = article
        self._article_pages.clear()  # their "Most read" lists may change
        self._order = None

    @property
    def articles(self) -> list[FeedArticle]:
        return list(self._ordered().newest)

    @property
    def sections(self) -> list[str]:
        return list(self._ordered().sections)

    def section_articles(self, section: str) -> list[FeedArticle]:
        return list(self._ordered().by_section.get(section, ()))

    def _ordered(self) -> _Order:
        """The articles sorted once per change, not per request (a scaled site has thousands)."""
        if self._order is None:
            newest = newest_first(self._articles.values())
            by_section: dict[str, list[FeedArticle]] = {}
            for article in newest:
                by_section.setdefault(article.section, []).append(article)
            sections = sorted(by_section, key=lambda s: (section_order(s), s))
            self._order = _Order(newest, by_section, sections)
        return self._order

    def get(self, path_with_query: str) -> Response:
        path = urlsplit(path_with_query).path
        if path == "/robots.txt":
            return 200, TEXT, ROBOTS.encode()
        if self.mode == "challenge":
            return 403, HTML, pages.CHALLENGE_PAGE.encode()
        if path == "/":
            return self._home()
        if path in pages.STATIC_PAGES:
            return self._html_page(*pages.STATIC_PAGES[path], page_type="static")
        for pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and (response := handler(**match.groupdict())):
                return response
        return self._not_found()

    def _home(self) -> Response:
        newest = self.articles[: self.page_size]
        main = pages.listing_main("Top stories", newest, more_href=None)
        return self._html("RT - Breaking News, Russia News, World News and Video", "main", main)

    def _section(self, section: str) -> Response | None:
        if section not in self.sections:
            return None
        articles = self.section_articles(section)
        more = None
        if len(articles) > self.page_size:
            more = SITE + listing_path(section, self.page_size, 1)
        info = section_info(section)
        main = pages.listing_main(info.label, articles[: self.page_size], more)
        return self._html(info.title, "section", main, self._section_most_read(section))

    def _section_most_read(self, section: str) -> list[pages.Link]:
        """Articles linked again, as the real widget does: with tracking, fragment, AMP."""
        own = self.section_articles(section)
        tracked, commented, amp = (own[i % len(own)] for i in (0, 3, self.page_size + 2))
        others = [a for a in self.articles if a.section != section][:2]
        return [
            (tracked.path + WIDGET_TRACKING, tracked.headline),
            (commented.path + "#comments", commented.headline),
            (amp.path + "amp/", amp.headline),
            *((a.path, a.headline) for a in others),
        ]

    def _listing(self, section: str, limit: str, page: str) -> Response | None:
        size, number = int(limit), int(page)
        if section not in self.sections or not 0 < size <= MAX_LISTING_LIMIT:
            return None
        articles = self.section_articles(section)
        end = (number + 1) * size
        more = SITE + listing_path(section, size, number + 1) if end < len(articles) else None
        fragment = pages.listing_fragment(articles[number * size : end], more)
        return 200, HTML, fragment.encode()

    def _rss(self, section: str | None) -> Response | None:
        if section is None:
            feed = pages.rss("RT - Daily news", SITE, f"{SITE}/rss/", self.articles[: self._feed_size])
        elif section in self.sections:
            title, link = section_info(section).title, f"{SITE}/{section}/"
            feed = pages.rss(title, link, f"{SITE}/rss/{section}/", self.section_articles(section)[: self._feed_size])
        else:
            return None
        return 200, RSS, feed.encode()

    def _article(
        self, section: str, article_id: str, slug: str, amp: str | None
    ) -> Response | None:
        article = self._articles.get(int(article_id))
        if article is None or (article.section, article.slug) != (section, slug):
            return None
        key = (article.id, bool(amp))
        if key not in self._article_pages:
            self._article_pages[key] = self._render_article(article, bool(amp))
        return 200, HTML, self._article_pages[key]

    def _render_article(self, article: FeedArticle, amp: bool) -> bytes:
        model = self._model(article)
        if amp:
            return pages.amp_page(model).encode()
        newest = self._ordered().newest[: MOST_READ_SIZE + 1]
        most_read = [(a.path, a.headline) for a in newest if a.id != article.id]
        markup = pages.page(
            pages.article_title(article),
            "article",
            pages.article_main(model),
            pages.sidebar(most_read[:MOST_READ_SIZE]),
            self.sections,
            head=pages.article_head(model),
        )
        return (pages.drift_layout(markup) if self.mode == "drifted" else markup).encode()

    def _trend(self, slug: str) -> Response:
        name = slug.replace("-", " ").capitalize()
        return self._html_page(name, f"Latest news about {name}.", page_type="trend")

    def _not_found(self) -> Response:
        status, content_type, body = self._html_page(
            "Page not found", "The page you are looking for does not exist.", page_type="error"
        )
        return 404, content_type, body

    def _html_page(self, heading: str, text: str, page_type: str) -> Response:
        return self._html(f"{heading} — RT", page_type, pages.simple_main(heading, text))

    def _html(
        self, title: str, page_type: str, main: str, most_read: list[pages.Link] | None = None
    ) -> Response:
        if most_read is None:
            most_read = [(a.path, a.headline) for a in self.articles[:MOST_READ_SIZE]]
        body = pages.page(title, page_type, main, pages.sidebar(most_read), self.sections)
        return 200, HTML, body.encode()


@dataclass(frozen=True)
class _Order:
    newest: list[FeedArticle]
    by_section: dict[str, list[FeedArticle]]
    sections: list[str]


def expected_records(site_or_articles: ReplicaSite | Iterable[FeedArticle]) -> list[dict]:
    """The true record of every article, newest first, computed from the feed alone."""
    if isinstance(site_or_articles, ReplicaSite):
        articles = site_or_articles.articles
    else:
        articles = newest_first(site_or_articles)
    return [_record(article) for article in articles]


def _record(article: FeedArticle) -> dict:
    model = article_model(article)
    cover = model.cover
    return {
        "id": f"rt:{article.id}",
        "canonical_url": article.url,
        "section": article.section,
        "headline": clean_text(article.headline),
        "summary": model.lead,
        "body": "\n\n".join(model.paragraphs),
        "published_at": article.published.isoformat(),
        "modified_at": model.modified.isoformat(),
        "image": {"url": cover.image, "caption": cover.caption, "credit": cover.credit},
        "tags": [tag.label for tag in model.tags],
        "related": [{"url": url, "headline": title} for url, title in model.related],
    }
