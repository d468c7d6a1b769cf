"""A WordPress republisher of the RT replica (Jannah theme, Russian chrome), with the seed's post.

A copying script re-posts RT articles with the quirks the seed page shows (reference, section 2):
RT's lead glued to the cover's alt text in Jannah's sub-title, the cover re-uploaded with RT's
caption and credit, each RT teaser half removed (title, title, "Read more", linked title), and a
closing "Source" link to the original (with the RSS feed's tracking query). Posts are data
(WpPost); the pages (wp_pages) and the ground truth (expected_records) both read them, so the
truth never comes from parsing these pages.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from . import wp_pages
from .content import Figure, Promo, Teaser, article_model, clean_text
from .feed import FeedArticle, load_feed
from .pages import RSS_TRACKING
from .site import HTML, RSS, TEXT, Response, newest_first

XML = "application/xml; charset=utf-8"

HOST = "novosti-mira.example"
HOME = f"https://{HOST}/"
SITE_TZ = timezone(timedelta(hours=3))  # Moscow: WordPress writes its local time with this offset
AUTHOR = "admin"
SEED_POST = Path(__file__).parent / "data" / "wp-seed-post.json"
ROBOTS = f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {HOME}wp-sitemap.xml\n"
RECENT_SIZE = 5
RELATED_SIZE = 3

CATEGORY_PATH = re.compile(r"/category/(?P<slug>[^/]+)/(?:page/(?P<number>\d+)/)?")
CATEGORY_FEED_PATH = re.compile(r"/category/(?P<slug>[^/]+)/feed/")
HOME_PATH = re.compile(r"/(?:page/(?P<number>\d+)/)?")


@dataclass(frozen=True)
class Category:
    id: int
    slug: str
    name: str
    rt_section: str  # the RT section the copying script fills it from

    @property
    def url(self) -> str:
        return f"{HOME}category/{self.slug}/"


CATEGORIES = (Category(3, "russia-fsu", "Russia & FSU", "russia"), Category(4, "world", "В мире", "news"))


@dataclass(frozen=True)
class WpPost:
    post_id: int
    slug: str
    category: Category
    headline: str
    lead: str
    cover: str  # the re-uploaded cover image
    caption: str
    credit: str
    content_html: str  # the post content as the copying script posted it
    source_url: str  # the original, canonical
    published: datetime
    modified: datetime
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]  # the article text a reader sees, lead first: the truth
    related: tuple[tuple[str, str], ...]  # (url, headline) of the teasers, in order: the truth
    share_and_related: bool = True  # Jannah's share bar and "Похожие статьи" box (off on the seed's post)

    @property
    def path(self) -> str:
        return f"/{self.published:%Y/%m/%d}/{self.slug}/"

    @property
    def url(self) -> str:
        return HOME.rstrip("/") + self.path

    @property
    def thumbnail(self) -> str:
        return re.sub(r"(\.\w+)$", r"-390x220\1", self.cover)


# -- the copying script ------------------------------------------------------------------------

def copy_of(article: FeedArticle, category: Category) -> WpPost:
    """How the copying script posts one RT article (its Promo lines are not in the feed it reads)."""
    model = article_model(article)
    published = (article.published + timedelta(minutes=4 + article.id % 11)).astimezone(SITE_TZ)
    blocks = [_copied_block(block) for block in model.blocks if not isinstance(block, Promo)]
    return WpPost(
        post_id=article.id - 591_000,  # WordPress ids grow with time, as RT's do
        slug=wp_slug(article.headline),
        category=category,
        headline=clean_text(article.headline),
        lead=model.lead,
        cover=_uploaded(model.cover.image, published),
        caption=model.cover.caption,
        credit=model.cover.credit,
        content_html="\n".join([*blocks, source_line(article.url + RSS_TRACKING)]),
        source_url=article.url,
        published=published,
        modified=published + timedelta(seconds=40 + article.id % 50),
        tags=tuple(tag.label for tag in model.tags),
        paragraphs=tuple(model.paragraphs),
        related=tuple(model.related),
    )


def seed_post() -> WpPost:
    """The seed page's post, from its data (replica/data/wp-seed-post.json)."""
    data = json.loads(SEED_POST.read_text("utf-8"))
    lines = [[item] if isinstance(item, str) else item for item in data["paragraphs"]]  # a list: <br>-joined
    blocks = ["<p>" + "<br>".join(escape(line) for line in paragraph) + "</p>" for paragraph in lines]
    teaser = data["teaser"]
    blocks.insert(teaser["after"], teaser_remnant(teaser["url"], teaser["headline"]))
    published = datetime.fromisoformat(data["published"])
    return WpPost(
        post_id=data["post_id"],
        slug=data["slug"],
        category=next(category for category in CATEGORIES if category.slug == data["category"]),
        headline=data["headline"],
        lead=data["lead"],
        cover=_uploaded(data["cover"], published),
        caption=data["caption"],
        credit=data["credit"],
        content_html="\n".join([*blocks, source_line(data["source"] + RSS_TRACKING)]),
        source_url=data["source"],
        published=published,
        modified=datetime.fromisoformat(data["modified"]),
        tags=(),
        paragraphs=(data["lead"], *(" ".join(paragraph) for paragraph in lines)),
        related=((teaser["url"], teaser["headline"]),),
        share_and_related=False,
    )


def teaser_remnant(url: str, title: str) -> str:
    """What the script's non-greedy regex leaves of an RT teaser box."""
    title = escape(title)
    return f'<p>{title}</p>\n<p>{title}</p>\n<p>Read more<br><a href="{escape(url)}">{title}</a></p>'


def source_line(href: str) -> str:
    return f'<p><a target="_blank" rel="nofollow" href="{escape(href)}">Source</a></p>'


def _copied_block(block) -> str:
    if isinstance(block, Teaser):
        return teaser_remnant(block.url, block.title)
    if isinstance(block, Figure):
        return (f'<figure class="wp-caption aligncenter"><img src="{escape(block.image)}" alt="" />'
                f'<figcaption class="wp-caption-text">{escape(block.caption)} © {escape(block.credit)}</figcaption></figure>')
    return block.html.strip()  # text, "READ MORE:" lines and embeds as the feed has them


def wp_slug(title: str) -> str:
    """WordPress' sanitize_title for Latin titles: accents off, punctuation out, words hyphenated."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[\s-]+", "-", re.sub(r"[^a-z0-9\s-]", "", ascii_title)).strip("-")[:200]


def _uploaded(image: str, published: datetime) -> str:
    return f"{HOME}wp-content/uploads/{published:%Y/%m}/{urlsplit(image).path.rsplit('/', 1)[-1]}"


# -- the site ----------------------------------------------------------------------------------

class WordPressSite:
    """Serves the republisher: category archives with pagination (rel=next, /page/N/), the front
    page with "older posts", post pages, feeds and robots.txt. ``get`` answers like ReplicaSite."""

    def __init__(self, posts: Iterable[WpPost] = (), page_size: int = 6):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.page_size = page_size
        self._posts: dict[str, WpPost] = {}
        for post in posts:
            self.add(post)

    @classmethod
    def from_replica(cls, articles: Iterable[FeedArticle] | None = None, *, every: int = 2, seed: bool = True,
                     page_size: int = 6) -> WordPressSite:
        """Copies of every ``every``-th article (newest first) of the RT sections the categories
        take from (default: the real feed the RT replica is built from), and the seed's post."""
        articles = newest_first(load_feed() if articles is None else articles)
        posts = [copy_of(article, category) for category in CATEGORIES
                 for article in [a for a in articles if a.section == category.rt_section][::every]]
        return cls([*posts, *([seed_post()] if seed else [])], page_size)

    def add(self, post: WpPost) -> None:
        """Publish one more post (a republisher that grows between runs)."""
        if post.path in self._posts:
            raise ValueError(f"a post is already at {post.path}")
        self._posts[post.path] = post

    @property
    def posts(self) -> list[WpPost]:
        return sorted(self._posts.values(), key=lambda post: (post.published, post.post_id), reverse=True)

    def category_posts(self, slug: str) -> list[WpPost]:
        return [post for post in self.posts if post.category.slug == slug]

    def get(self, path_with_query: str) -> Response:
        path = urlsplit(path_with_query).path
        if path == "/robots.txt":
            return 200, TEXT, ROBOTS.encode()
        if path == "/feed/":
            return self._feed(wp_pages.SITE_NAME, HOME, self.posts)
        if (sitemap := self._sitemap(path)) is not None:
            return 200, XML, sitemap.encode()
        if path in self._posts:
            return self._post(self._posts[path])
        routes: list[tuple[re.Pattern[str], Callable[..., Response | None]]] = [
            (CATEGORY_FEED_PATH, self._category_feed), (CATEGORY_PATH, self._category), (HOME_PATH, self._home),
        ]
        for pattern, handler in routes:
            match = pattern.fullmatch(path)
            if match and (response := handler(**match.groupdict())):
                return response
        return 404, HTML, self._page("Страница не найдена", wp_pages.NOT_FOUND_MAIN, "error404", "").encode()

    # -- pages --
    def _page(self, title: str, main: str, body_class: str, seo: str, head_extra: str = "") -> str:
        return wp_pages.page(
            title, main, home=HOME, body_class=body_class, seo=seo, head_extra=head_extra,
            menu=[(HOME, "Главная"), *((category.url, category.name) for category in CATEGORIES)],
            recent=[(post.url, post.headline) for post in self.posts[:RECENT_SIZE]],
            categories=[(category.url, category.name) for category in CATEGORIES],
        )

    def _post(self, post: WpPost) -> Response:
        related = [(other.url, other.headline, other.thumbnail, wp_pages.russian_date(other.published))
                   for other in self.category_posts(post.category.slug) if other is not post][:RELATED_SIZE]
        main = wp_pages.post_main(
            post_id=post.post_id, url=post.url, home=HOME, category=(post.category.id, post.category.url,
                                                                      post.category.name),
            headline=post.headline, sub_title=post.lead + post.headline,  # the lead glued to the cover's alt
            cover=post.cover, figcaption=f"{post.caption} ©\xa0 {post.credit}", content=post.content_html,
            tags=[(f"{HOME}tag/{wp_slug(tag)}/", tag) for tag in post.tags],
            share=post.share_and_related, related=related if post.share_and_related else [],
        )
        seo = wp_pages.yoast_head(
            title=f"{post.headline} - {wp_pages.SITE_NAME}", url=post.url, description=post.lead, og_type="article",
            image=post.cover, graph=_post_graph(post),
            article={"published_time": post.published.isoformat(), "modified_time": post.modified.isoformat(),
                     "section": post.category.name},
        )
        head_extra = (f'<link rel="alternate" type="application/json" href="{HOME}wp-json/wp/v2/posts/{post.post_id}" />\n'
                      f'<link rel="shortlink" href="{HOME}?p={post.post_id}" />')
        body_class = f"post-template-default single single-post postid-{post.post_id} single-format-standard"
        return 200, HTML, self._page(f"{post.headline} - {wp_pages.SITE_NAME}", main, body_class, seo,
                                     head_extra).encode()

    def _category(self, slug: str, number: str | None) -> Response | None:
        category = next((category for category in CATEGORIES if category.slug == slug), None)
        posts = self.category_posts(slug)
        if category is None or not posts:
            return None
        feed = (f'<link rel="alternate" type="application/rss+xml" title="{wp_pages.SITE_NAME} &raquo; Лента рубрики '
                f'{escape(category.name)}" href="{category.url}feed/" />')
        return self._archive(category.name, category.url, posts, int(number or 1), numbered=True,
                             body_class=f"archive category category-{slug} category-{category.id}", head_extra=feed)

    def _home(self, number: str | None) -> Response | None:
        return self._archive(wp_pages.SITE_NAME, HOME, self.posts, int(number or 1), numbered=False,
                             body_class="home blog")

    def _archive(self, title: str, base: str, posts: list[WpPost], number: int, numbered: bool,
                 body_class: str, head_extra: str = "") -> Response | None:
        last = max(1, -(-len(posts) // self.page_size))
        if not 1 <= number <= last:
            return None

        def page_url(n: int) -> str:
            return base if n == 1 else f"{base}page/{n}/"

        shown = posts[(number - 1) * self.page_size: number * self.page_size]
        items = [{"post_id": post.post_id, "category_slug": post.category.slug, "category_id": post.category.id,
                  "category_name": post.category.name, "headline": post.headline, "url": post.url,
                  "thumb": post.thumbnail, "date": wp_pages.russian_date(post.published),
                  "excerpt": _excerpt(post.lead)} for post in shown]
        newer = page_url(number - 1) if number > 1 else None
        older = page_url(number + 1) if number < last else None
        pagination = (wp_pages.numbered_pagination(page_url, number, last) if numbered
                      else wp_pages.older_newer_pagination(older, newer))
        seo = wp_pages.yoast_head(
            title=f"{title} - {wp_pages.SITE_NAME}", url=page_url(number), description=f"{title}: новости",
            og_type="website", prev_url=newer, next_url=older,
            graph=[{"@type": "CollectionPage", "@id": page_url(number), "url": page_url(number),
                    "name": f"{title} - {wp_pages.SITE_NAME}", "inLanguage": "ru-RU"}],
        )
        main = wp_pages.archive_main(home=HOME, title=title, items=items, pagination=pagination)
        return 200, HTML, self._page(f"{title} - {wp_pages.SITE_NAME}", main, body_class, seo, head_extra).encode()

    # -- feeds and sitemaps --
    def _sitemap(self, path: str) -> str | None:
        """WordPress' core sitemaps (robots.txt names the index): posts, then categories."""
        if path == "/wp-sitemap.xml":
            return wp_pages.sitemap_index([f"{HOME}wp-sitemap-posts-post-1.xml",
                                           f"{HOME}wp-sitemap-taxonomies-category-1.xml"])
        if path == "/wp-sitemap-posts-post-1.xml":
            return wp_pages.urlset([(post.url, post.modified) for post in self.posts])
        if path == "/wp-sitemap-taxonomies-category-1.xml":
            return wp_pages.urlset([(category.url, None) for category in CATEGORIES if self.category_posts(category.slug)])
        return None

    def _category_feed(self, slug: str) -> Response | None:
        category = next((category for category in CATEGORIES if category.slug == slug), None)
        if category is None:
            return None
        return self._feed(f"{category.name} – {wp_pages.SITE_NAME}", category.url, self.category_posts(slug))

    def _feed(self, title: str, link: str, posts: list[WpPost]) -> Response:
        items = [{"headline": post.headline, "url": post.url, "author": AUTHOR,
                  "pub_date": post.published.strftime("%a, %d %b %Y %H:%M:%S %z"),
                  "category_name": post.category.name, "shortlink": f"{HOME}?p={post.post_id}",
                  "excerpt": _excerpt(post.lead), "content": post.content_html} for post in posts[:10]]
        built = max((post.modified for post in posts), default=datetime(2025, 1, 1, tzinfo=SITE_TZ))
        self_url = link + "feed/"
        return 200, RSS, wp_pages.feed(title=title, link=link, self_url=self_url, built=built, items=items).encode()


def _excerpt(lead: str, words: int = 20) -> str:
    parts = lead.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _post_graph(post: WpPost) -> list[dict]:
    """Yoast's JSON-LD graph of a post: Article, WebPage, its image, breadcrumbs, site, author."""
    person = f"{HOME}#/schema/person/{hashlib.md5(AUTHOR.encode()).hexdigest()}"
    article = {"@type": "Article", "@id": f"{post.url}#article", "isPartOf": {"@id": post.url},
               "author": {"name": AUTHOR, "@id": person}, "headline": post.headline,
               "datePublished": post.published.isoformat(), "dateModified": post.modified.isoformat(),
               "mainEntityOfPage": {"@id": post.url}, "wordCount": sum(len(p.split()) for p in post.paragraphs),
               "publisher": {"@id": f"{HOME}#organization"}, "image": {"@id": f"{post.url}#primaryimage"},
               "thumbnailUrl": post.cover, "articleSection": [post.category.name], "inLanguage": "ru-RU"}
    if post.tags:
        article["keywords"] = list(post.tags)
    return [
        article,
        {"@type": "WebPage", "@id": post.url, "url": post.url, "name": f"{post.headline} - {wp_pages.SITE_NAME}",
         "isPartOf": {"@id": f"{HOME}#website"}, "primaryImageOfPage": {"@id": f"{post.url}#primaryimage"},
         "datePublished": post.published.isoformat(), "dateModified": post.modified.isoformat(),
         "breadcrumb": {"@id": f"{post.url}#breadcrumb"}, "inLanguage": "ru-RU"},
        {"@type": "ImageObject", "inLanguage": "ru-RU", "@id": f"{post.url}#primaryimage", "url": post.cover,
         "contentUrl": post.cover, "width": 1200, "height": 675, "caption": f"{post.caption} © {post.credit}"},
        {"@type": "BreadcrumbList", "@id": f"{post.url}#breadcrumb", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Главная", "item": HOME},
            {"@type": "ListItem", "position": 2, "name": post.category.name, "item": post.category.url},
            {"@type": "ListItem", "position": 3, "name": post.headline}]},
        {"@type": "WebSite", "@id": f"{HOME}#website", "url": HOME, "name": wp_pages.SITE_NAME,
         "publisher": {"@id": f"{HOME}#organization"}, "inLanguage": "ru-RU"},
        {"@type": "Person", "@id": person, "name": AUTHOR},
    ]


# -- the truth ---------------------------------------------------------------------------------

def expected_records(site: WordPressSite, category: str = "russia-fsu") -> list[dict]:
    """The true record of every post of ``category``, newest first, from the posts' data alone."""
    return [{
        "id": "wordpress:" + hashlib.sha1(post.url.encode("utf-8")).hexdigest()[:16],
        "canonical_url": post.url,
        "section": post.category.slug,
        "section_name": post.category.name,
        "headline": post.headline,
        "summary": post.lead,
        "body": "\n\n".join(post.paragraphs),
        "authors": [AUTHOR],
        "published_at": post.published.isoformat(),
        "modified_at": post.modified.isoformat(),
        "image": {"url": post.cover, "caption": post.caption, "credit": post.credit},
        "tags": list(post.tags),
        "related": [{"url": url, "headline": headline} for url, headline in post.related],
        "source_url": post.source_url,
    } for post in site.category_posts(category)]
