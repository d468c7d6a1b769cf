"""A small news site that no site module knows, built from the RT replica's articles.

Generic markup throughout: JSON-LD and OpenGraph in the head, the article in ``<main><article>``,
navigation, a "most read" sidebar and a footer around it. Its sections are found the ways the
``section`` spider knows: the section page announces its feed (``link rel=alternate``), robots.txt
lists a sitemap index (a news sitemap of the latest articles, a plain one for the rest), and the
section page links its articles and its next pages ("Older posts", ``rel=next``). Pages name the
site's public host in canonical URLs, feeds and sitemaps; links within pages are relative, so a
crawl of the server on 127.0.0.1 stays there.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.utils import format_datetime
from html import escape
from urllib.parse import urlsplit

from .content import ArticleModel, Embed, Figure, ReadMoreLine, Teaser, TextBlock, article_model
from .feed import FeedArticle, load_feed
from .site import HTML, RSS, TEXT, Response, newest_first

PUBLIC = "https://news.example.org"
NAME = "Example News"
XML = "application/xml; charset=utf-8"
NEWS_HOURS = 12  # a news sitemap lists the latest articles only (Google: two days; this feed spans three)
MOST_READ = 4

SECTION_PAGE = re.compile(r"/(?P<section>[a-z-]+)/(?:page/(?P<page>\d+)/)?")
ARTICLE_PAGE = re.compile(r"/(?P<section>[a-z-]+)/\d{4}/\d{2}/\d{2}/(?P<slug>[\w-]+)/")
SECTION_FEED = re.compile(r"/(?P<section>[a-z-]+)/feed\.xml")


def article_path(article: FeedArticle) -> str:
    return f"/{article.section}/{article.published:%Y/%m/%d}/{article.slug}/"


def article_url(article: FeedArticle) -> str:
    return PUBLIC + article_path(article)


class GenericNewsSite:
    """Sections, feeds, sitemaps and article pages of the RT replica's articles, in generic markup."""

    def __init__(self, articles: list[FeedArticle], page_size: int = 8):
        self.articles = newest_first(articles)
        self.page_size = page_size
        self.by_path = {article_path(article): article for article in self.articles}
        self.sections = sorted({article.section for article in self.articles})

    @classmethod
    def from_feed(cls, page_size: int = 8) -> GenericNewsSite:
        return cls(load_feed(), page_size)

    def section_articles(self, section: str) -> list[FeedArticle]:
        return [article for article in self.articles if article.section == section]

    def news_sitemap_articles(self) -> list[FeedArticle]:
        newest = self.articles[0].published
        return [article for article in self.articles if newest - article.published <= timedelta(hours=NEWS_HOURS)]

    def expected_body(self, article: FeedArticle) -> str:
        return "\n\n".join(article_model(article).paragraphs)

    # -- routing --
    def get(self, path_with_query: str) -> Response:
        path = urlsplit(path_with_query).path
        fixed = {
            "/robots.txt": lambda: (200, TEXT, f"User-agent: *\nAllow: /\nSitemap: {PUBLIC}/sitemap.xml\n".encode()),
            "/sitemap.xml": self._sitemap_index,
            "/sitemap-news.xml": self._news_sitemap,
            "/sitemap-archive.xml": self._archive_sitemap,
            "/feed.xml": lambda: self._feed(NAME, "/", self.articles),
        }
        if path in fixed:
            return fixed[path]()
        if (match := ARTICLE_PAGE.fullmatch(path)) and path in self.by_path:
            return 200, HTML, self._article_page(self.by_path[path]).encode()
        if (match := SECTION_FEED.fullmatch(path)) and match["section"] in self.sections:
            section = match["section"]
            return self._feed(f"{NAME}: {section}", f"/{section}/", self.section_articles(section)[:10])
        if (match := SECTION_PAGE.fullmatch(path)) and match["section"] in self.sections:
            if response := self._section_page(match["section"], int(match["page"] or 1)):
                return response
        return 404, HTML, self._page("Not found", "<main><h1>Page not found</h1></main>", "/404/").encode()

    # -- pages --
    def _page(self, title: str, main: str, path: str, head: str = "") -> str:
        nav = "".join(f'<li><a href="/{section}/">{section.replace("-", " ").title()}</a></li>'
                      for section in self.sections)
        most_read = "".join(f'<li><a href="{article_path(article)}">{escape(article.headline)}</a></li>'
                            for article in self.articles[:MOST_READ])
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} | {NAME}</title>
<link rel="canonical" href="{PUBLIC}{path}">
<link rel="alternate" type="application/rss+xml" title="{NAME}" href="{PUBLIC}/feed.xml">
{head}
</head>
<body>
<header class="site-header"><a class="logo" href="/">{NAME}</a>
<nav class="menu"><ul>{nav}<li><a href="/about/">About us</a></li></ul></nav></header>
{main}
<aside class="sidebar"><h3>Most read</h3><ol>{most_read}</ol></aside>
<footer class="site-footer"><p>© 2024 {NAME}. All rights reserved.</p>
<a href="/about/">About</a> <a href="/privacy/">Privacy</a> <a href="/feed.xml">RSS</a></footer>
</body>
</html>
"""

    def _section_page(self, section: str, number: int) -> Response | None:
        articles = self.section_articles(section)
        shown = articles[(number - 1) * self.page_size:number * self.page_size]
        if not shown:
            return None
        cards = "".join(
            f'<article class="card"><h2 class="card-title"><a href="{article_path(article)}">{escape(article.headline)}</a></h2>'
            f'<time datetime="{article.published.isoformat()}">{article.published:%d %B %Y}</time>'
            f"<p>{escape(article.description)}</p></article>\n" for article in shown)
        older = f"/{section}/page/{number + 1}/" if number * self.page_size < len(articles) else ""
        pager = f'<a class="next" rel="next" href="{older}">Older posts</a>' if older else ""
        path = f"/{section}/" + (f"page/{number}/" if number > 1 else "")
        head = (f'<link rel="alternate" type="application/rss+xml" title="{NAME}: {section}" '
                f'href="{PUBLIC}/{section}/feed.xml">' + (f'<link rel="next" href="{older}">' if older else ""))
        main = f'<main class="listing"><h1>{escape(section.title())}</h1>\n{cards}<div class="pager">{pager}</div></main>'
        return 200, HTML, self._page(section.title(), main, path, head).encode()

    def _article_page(self, article: FeedArticle) -> str:
        model = article_model(article)
        url = article_url(article)
        data = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.headline,
            "description": model.lead, "datePublished": article.published.isoformat(),
            "dateModified": model.modified.isoformat(), "image": [model.cover.image], "mainEntityOfPage": url,
            "author": {"@type": "Organization", "name": NAME},
            "publisher": {"@type": "Organization", "name": NAME},
        }
        head = "\n".join((
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{escape(article.headline)}">',
            f'<meta property="og:url" content="{url}">',
            f'<meta property="og:description" content="{escape(model.lead)}">',
            f'<meta property="og:image" content="{escape(model.cover.image)}">',
            f'<meta property="article:published_time" content="{article.published.isoformat()}">',
            f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>',
        ))
        main = f"""<main>
<article class="story">
<h1 class="story-title">{escape(article.headline)}</h1>
<p class="byline">By {NAME} staff · <time datetime="{article.published.isoformat()}">{article.published:%d %B %Y, %H:%M}</time></p>
<figure class="lead-image"><img src="{escape(model.cover.image)}" alt="{escape(article.headline)}">
<figcaption>{escape(model.cover.caption)} Photo: {escape(model.cover.credit)}</figcaption></figure>
<p class="standfirst"><strong>{escape(model.lead)}</strong></p>
<div class="story-body">
{_story_body(model)}
</div>
<div class="newsletter"><p>Sign up for the {NAME} newsletter</p><p>Get the day's top stories in your inbox.</p></div>
<div class="share"><a href="https://twitter.com/intent/tweet?url={url}">Twitter</a> <a href="https://www.facebook.com/sharer.php?u={url}">Facebook</a></div>
</article>
</main>"""
        return self._page(article.headline, main, article_path(article), head)

    # -- feeds and sitemaps --
    def _feed(self, title: str, path: str, articles: list[FeedArticle]) -> Response:
        items = "".join(
            f"<item><title>{escape(article.headline)}</title><link>{article_url(article)}?utm_source=rss</link>"
            f"<guid isPermaLink=\"true\">{article_url(article)}</guid>"
            f"<pubDate>{format_datetime(article.published)}</pubDate>"
            f"<description>{escape(article.description)}</description></item>\n" for article in articles)
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
                f"<link>{PUBLIC}{path}</link><description>{escape(title)}</description>\n{items}</channel></rss>\n")
        return 200, RSS, body.encode()

    def _sitemap_index(self) -> Response:
        entries = "".join(f"<sitemap><loc>{PUBLIC}/{name}</loc></sitemap>"
                          for name in ("sitemap-news.xml", "sitemap-archive.xml"))
        return 200, XML, (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
                          f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n').encode()

    def _news_sitemap(self) -> Response:
        urls = "".join(
            f"<url><loc>{article_url(article)}</loc><news:news><news:publication><news:name>{NAME}</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{article.published.isoformat()}</news:publication_date>"
            f"<news:title>{escape(article.headline)}</news:title></news:news></url>\n"
            for article in self.news_sitemap_articles())
        return 200, XML, self._urlset(urls, ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"')

    def _archive_sitemap(self) -> Response:
        recent = set(map(id, self.news_sitemap_articles()))
        urls = "".join(f"<url><loc>{article_url(article)}</loc><lastmod>{article.published.isoformat()}</lastmod></url>\n"
                       for article in self.articles if id(article) not in recent)
        return 200, XML, self._urlset(urls)

    @staticmethod
    def _urlset(urls: str, namespaces: str = "") -> bytes:
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
                f"{namespaces}>\n{urls}</urlset>\n").encode()


def _story_body(model: ArticleModel) -> str:
    """The article's blocks in plain markup: text as the feed has it, teasers as "Read more" links."""
    parts = []
    for block in model.blocks:
        if isinstance(block, TextBlock):
            parts.append(block.html)
        elif isinstance(block, Teaser | ReadMoreLine):
            parts.append(f'<p class="read-more"><a href="{escape(block.url)}">Read more: {escape(block.title)}</a></p>')
        elif isinstance(block, Figure):
            parts.append(f'<figure><img src="{escape(block.image)}" alt=""><figcaption>{escape(block.caption)}</figcaption></figure>')
        elif isinstance(block, Embed):
            parts.append(block.html)
    return "\n".join(parts)
