"""What one RT article consists of, derived from its feed entry alone.

The page renderer and the ground truth both read this model, so "what is article text" is
decided once, from the feed, and never by parsing the replica's own pages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree, html

from .feed import FeedArticle
from .sections import section_info

SITE = "https://www.rt.com"
TEXT_TAGS = {"p", "h2", "h3"}
COVER_CREDITS = (
    "Sputnik / Ilya Pitalev",
    "Getty Images / Anadolu",
    "RIA Novosti",
    "Reuters / Maxim Shemetov",
    "AP / Alexander Zemlianichenko",
    "Sputnik / Kristina Kormilitsyna",
)
PROMO_SHARE = "<p><strong><em>Like this story? Share it with a friend!</em></strong></p>"
PROMO_NEWSLETTER = (
    "<p>Subscribe to RT newsletter to get stories the mainstream media won’t tell you.</p>"
)


@dataclass(frozen=True)
class TextBlock:
    """A paragraph, heading, list or quotation: what a reader reads."""

    html: str
    texts: tuple[str, ...]  # one per paragraph, list item or quoted paragraph


@dataclass(frozen=True)
class Teaser:
    """A "Read more" box pointing at another article."""

    url: str
    title: str
    image: str
    image_alt: str


@dataclass(frozen=True)
class ReadMoreLine:
    """An inline `READ MORE: title` link paragraph, kept as the feed has it."""

    html: str
    url: str
    title: str


@dataclass(frozen=True)
class Embed:
    """A tweet (with its script) or a video iframe."""

    html: str


@dataclass(frozen=True)
class Figure:
    image: str
    caption: str
    credit: str


@dataclass(frozen=True)
class Promo:
    html: str


Block = TextBlock | Teaser | ReadMoreLine | Embed | Figure | Promo


@dataclass(frozen=True)
class Tag:
    label: str
    href: str


@dataclass(frozen=True)
class ArticleModel:
    article: FeedArticle
    lead: str
    blocks: tuple[Block, ...]
    cover: Figure
    tags: tuple[Tag, ...]
    modified: datetime
    short_url: str

    @property
    def paragraphs(self) -> list[str]:
        """The article text a reader sees: lead, then every non-empty text unit."""
        texts = [t for b in self.blocks if isinstance(b, TextBlock) for t in b.texts]
        return [t for t in [self.lead, *texts] if t]

    @property
    def related(self) -> list[tuple[str, str]]:
        """(absolute url, title) of every teaser and READ MORE line, first occurrence only."""
        links = {}
        for block in self.blocks:
            if isinstance(block, Teaser | ReadMoreLine):
                links.setdefault(block.url, block.title)
        return list(links.items())


def clean_text(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.replace("\xa0", " ").split()))


@lru_cache(maxsize=None)
def article_model(article: FeedArticle) -> ArticleModel:
    elements = list(html.fragment_fromstring(article.content_html, create_parent="div"))
    lead = clean_text(article.description)
    if elements and _is_lead(elements[0]):
        lead = _visible_text(elements.pop(0))
    blocks = _blocks(elements) + _promos(article.id)
    return ArticleModel(
        article=article,
        lead=lead,
        blocks=tuple(blocks),
        cover=_cover(article, blocks),
        tags=_tags(article),
        # RT re-saves most articles a few minutes after publication.
        modified=article.published + timedelta(minutes=2 + article.id % 7, seconds=article.id % 60),
        short_url=f"https://on.rt.com/{_short_code(article.id)}",
    )


def _is_lead(element: html.HtmlElement) -> bool:
    return (
        element.tag == "p"
        and len(element) == 1
        and element[0].tag == "strong"
        and not (element.text or "").strip()
    )


def _blocks(elements: list[html.HtmlElement]) -> list[Block]:
    blocks: list[Block] = []
    for element in elements:
        block = _block(element)
        if element.tag == "script" and blocks and isinstance(blocks[-1], Embed):
            # A tweet's widget script belongs to the tweet before it.
            block = Embed(f"{blocks.pop().html}\n{block.html}")
        blocks.append(block)
    return blocks


def _block(element: html.HtmlElement) -> Block:
    if element.tag == "blockquote":
        if element.find("span/strong") is not None and element.find("figure") is not None:
            return _teaser(element)
        if "twitter-tweet" in element.classes:
            return Embed(_html(element))
        paragraphs = element.findall(".//p") or [element]
        return TextBlock(_html(element), tuple(_visible_text(p) for p in paragraphs))
    if element.tag in ("iframe", "script"):
        return Embed(_html(element))
    if element.tag == "figure":
        return _figure(element)
    if element.tag == "p" and (link := _read_more_link(element)) is not None:
        title = _visible_text(link).removeprefix("READ MORE:").strip()
        return ReadMoreLine(_html(element), _absolute(link.get("href")), title)
    if element.tag in ("ul", "ol"):
        return TextBlock(_html(element), tuple(_visible_text(li) for li in element.iter("li")))
    if element.tag in TEXT_TAGS:
        return TextBlock(_html(element), (_visible_text(element),))
    raise ValueError(f"unexpected <{element.tag}> in content:encoded")


def _teaser(blockquote: html.HtmlElement) -> Teaser:
    image = blockquote.find("figure/img")
    link = blockquote.find("figure/figcaption/a")
    return Teaser(
        url=_absolute(link.get("href")),
        title=_visible_text(link),
        image=image.get("src", ""),
        image_alt=image.get("alt", ""),
    )


def _read_more_link(paragraph: html.HtmlElement) -> html.HtmlElement | None:
    links = paragraph.xpath("a[span[starts-with(normalize-space(), 'READ MORE')]]")
    return links[0] if links else None


def _figure(figure: html.HtmlElement) -> Figure:
    caption = figure.find("figcaption")
    if caption is None:
        return Figure(figure.find("img").get("src", ""), "", "")
    caption_text = caption.xpath("text() | *[not(@class='copyright')]//text()")
    credit = caption.xpath("string(.//span[@class='copyright'])")
    return Figure(
        image=figure.find("img").get("src", ""),
        caption=clean_text("".join(caption_text)),
        credit=clean_text(credit).lstrip("©").strip(),
    )


def _promos(article_id: int) -> list[Block]:
    promos = []
    if article_id % 3:
        promos.append(Promo(PROMO_SHARE))
    if article_id % 4 == 1:
        promos.append(Promo(PROMO_NEWSLETTER))
    return promos


def _cover(article: FeedArticle, blocks: list[Block]) -> Figure:
    """The cover image, captioned like the first inline photo, or synthesised."""
    url = article.thumbnail.replace("/thumbnail/", "/xxl/")
    figures = [b for b in blocks if isinstance(b, Figure)]
    if figures and figures[0].caption and figures[0].credit:
        return Figure(url, figures[0].caption, figures[0].credit)
    first_clause = re.split(r", |; | – | - ", article.description)[0].strip().rstrip(".")
    credit = COVER_CREDITS[article.id % len(COVER_CREDITS)]
    return Figure(url, clean_text(f"FILE PHOTO: {first_clause}."), credit)


def _tags(article: FeedArticle) -> tuple[Tag, ...]:
    """One tag from the headline's first name-like phrase, plus the section's own topic
    on even ids."""
    keyword = _headline_keyword(article.headline)
    tags = [Tag(keyword, f"/trends/{_slugify(keyword)}/")]
    topic = section_info(article.section).topic
    if article.id % 2 == 0 and topic != keyword:
        tags.append(Tag(topic, f"/trends/{_slugify(topic)}/"))
    return tuple(tags)


def _headline_keyword(headline: str) -> str:
    words = re.findall(r"[^\W\d_][\w-]*|\S", headline)
    phrase: list[str] = []
    for word in words:
        if word[0].isupper() and len(word) > 1:
            phrase.append(word)
        elif phrase:
            break
    return " ".join(phrase) or max(words, key=len)


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _short_code(article_id: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    number = article_id * 2654435761 % 36**4
    code = ""
    for _ in range(4):
        number, digit = divmod(number, 36)
        code = digits[digit] + code
    return code


def _visible_text(element: html.HtmlElement) -> str:
    """Text as a reader sees it: a <br> separates words, comments are invisible."""
    return clean_text("".join(_text_pieces(element)))


def _text_pieces(element: html.HtmlElement) -> list[str]:
    pieces = [element.text or ""]
    for child in element:
        if child.tag == "br":
            pieces.append(" ")
        elif isinstance(child.tag, str):
            pieces.extend(_text_pieces(child))
        pieces.append(child.tail or "")
    return pieces


def _html(element: html.HtmlElement) -> str:
    return etree.tostring(element, method="html", encoding="unicode", with_tail=False)


def _absolute(href: str) -> str:
    return urljoin(SITE + "/", href.strip())
