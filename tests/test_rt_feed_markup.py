"""RT's current article markup, from the real feed: nothing but the story in any body.

Pages here are built from real markup only: the article text of every item of the real feed of
6 Dec 2024 (``content:encoded``: in-body photos with caption and credit, "Read more" boxes,
"READ MORE:" lines, tweets, video embeds, subheadings) put into the article shell of the real
2019 page (the reference's snippet, tests/sites/rt/473849-2019-layout.html) in place of its text.
No replica template is involved. ``python tests/test_rt_feed_markup.py ID...`` writes such pages
as golden files (tests/sites/rt/feed-<id>.html).
"""

from __future__ import annotations

import html
import json
import re
import sys
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newsbot.cli import extract_html

HERE = Path(__file__).parent
FEED = HERE.parents[1] / "shared" / "fixtures" / "rt-rss-2024-12-06.xml"
if not FEED.exists():  # a worktree beside the checkout: shared/ is one level further up
    FEED = HERE.parents[2] / "shared" / "fixtures" / "rt-rss-2024-12-06.xml"
SHELL = HERE / "sites" / "rt" / "473849-2019-layout.html"
SHELL_URL = "https://www.rt.com/news/473849-3-morales-supporters-killed-bolivia/"
SHELL_HEADLINE = "3 Morales supporters killed as Bolivian security forces clear road block"
SHELL_SUMMARY = "Three people have been killed as Bolivian security forces cleared a blockade set up by supporters of ousted president Evo Morales around a fuel plant near La Paz."
SHELL_BLURB = "Three people were killed when Bolivian security forces cleared a blockade of a fuel plant."
SHELL_COVER = re.compile(r'\n  <div class="article__cover">.*?\n  </div>', re.S)
SHELL_IMAGE = "https://cdni.rt.com/files/2019.11/article/5dd4d05a85f54011e7205e2f.jpg"
SHELL_TEXT = re.compile(r'(<div class="article__text text ">).*?(\n  </div>\n  <div class="article__tags-trends">)', re.S)
# What the feed's markup holds that is not the story: captions with credits, "Read more" boxes and
# lines, tweets. Their text must stay out of the body.
NOT_STORY = ('.//figcaption | .//span[contains(@class, "copyright")] | .//blockquote[contains(@class, "twitter")]'
             ' | .//blockquote[.//figcaption] | .//p[.//span[starts-with(normalize-space(.), "READ MORE")]]')


def feed_items() -> list[dict[str, str]]:
    text = FEED.read_text("utf-8")
    items = []
    for item in re.findall(r"<item>(.*?)</item>", text, re.S):
        def tag(name: str) -> str:
            return re.search(rf"<{name}[^>]*>(.*?)</{name}>", item, re.S).group(1).strip()
        content = tag("content:encoded").replace("<![CDATA[", "").replace("]]>", "")
        items.append({"url": tag("guid"), "title": html.unescape(tag("title")), "published": tag("pubDate"),
                      "description": html.unescape(tag("description")), "content": content,
                      "image": re.search(r'<enclosure url="([^"]+)"', item).group(1)})
    return items


def page_from_feed(item: dict[str, str]) -> str:
    """The 2019 page's shell with the item's URL, headline, lead, date, image and text (the
    shell's cover block goes: the feed states no caption for the item's image)."""
    shell = SHELL.read_text("utf-8")
    moment = parsedate_to_datetime(item["published"])
    page = SHELL_TEXT.sub(lambda match: match.group(1) + item["content"] + match.group(2), shell)
    page = SHELL_COVER.sub("", page).replace(SHELL_SUMMARY, html.escape(item["description"], quote=False))
    page = page.replace(SHELL_IMAGE, item["image"]).replace(SHELL_BLURB, html.escape(item["description"], quote=True))
    page = page.replace(SHELL_URL, item["url"]).replace(SHELL_HEADLINE, html.escape(item["title"], quote=True))
    page = page.replace("2019-11-20T05:47:00+00:00", moment.isoformat())
    return page.replace("20 Nov, 2019 05:47", moment.strftime("%d %b, %Y %H:%M"))


def not_story_texts(content: str) -> list[str]:
    fragment = lxml_html.fragment_fromstring(content, create_parent="div")
    texts = (" ".join(element.xpath("string()").split()) for element in fragment.xpath(NOT_STORY))
    return [text for text in texts if len(text) > 12]


ITEMS = feed_items() if FEED.exists() else []


@pytest.mark.skipif(not ITEMS, reason="the real feed (shared/fixtures) is not beside the checkout")
def test_feed_has_every_construct():
    """The constructs this file guards against are all in the real feed."""
    content = "".join(item["content"] for item in ITEMS)
    for construct in ("<figcaption>", "copyright", "twitter-tweet", "<span>READ MORE: </span>",
                      "<strong>Read more</strong>", "<iframe", "<h2>", "<h3>", "<p><strong>"):
        assert construct in content, construct


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: item["url"].rstrip("/").rsplit("/", 1)[-1][:24])
def test_only_the_story_in_the_body(item):
    record = extract_html(page_from_feed(item), item["url"])
    body = record["body"]
    assert record["site"] == "rt"
    for text in not_story_texts(item["content"]):
        assert text[:60] not in body, text
    for marker in ("READ MORE", "Read more", "FILE PHOTO", "©", "pic.twitter.com", "Watch the full"):
        assert marker not in body, marker
    # The teasers are kept as data: every "Read more" box and line is a related link.
    fragment = lxml_html.fragment_fromstring(item["content"], create_parent="div")
    teaser_links = fragment.xpath('.//blockquote//figcaption/a/@href | .//p/a[span[starts-with(., "READ MORE")]]/@href')
    related = {entry["url"] for entry in record["related"]}
    assert {link.split("?")[0] for link in teaser_links} <= related
    # Subheadings stay: they are the story's.
    for heading in fragment.xpath(".//h2 | .//h3"):
        text = " ".join(heading.xpath("string()").split())
        if text:
            assert text in body


def write_golden(ids: list[str]) -> None:
    for item in ITEMS:
        article_id = re.search(r"/(\d+)-", item["url"]).group(1)
        if article_id in ids:
            stem = HERE / "sites" / "rt" / f"feed-{article_id}"
            stem.with_suffix(".html").write_text(page_from_feed(item), "utf-8")
            stem.with_suffix(".url").write_text(item["url"] + "\n", "utf-8")
            print(json.dumps({"wrote": str(stem.with_suffix(".html")), "url": item["url"]}))


if __name__ == "__main__":
    write_golden(sys.argv[1:])
