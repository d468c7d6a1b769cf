"""The WordPress module: which module a page gets, and what never reaches a record.

The records of tests/sites/wordpress/*.html themselves are golden files (tests/test_golden.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from parsel import Selector

from newsbot.cli import extract_file
from newsbot.replica import ReplicaSite
from newsbot.replica.wordpress import WordPressSite
from newsbot.sites import canonical_url, get_site, site_for_page

PAGES = Path(__file__).parent / "sites"
WORDPRESS_PAGES = sorted((PAGES / "wordpress").glob("*.html*"))
# Chrome, widgets (and their scripts), share bars, related boxes: never anywhere in a field.
NOISE = re.compile(
    r"Добавить комментарий|Ваш адрес email|Обязательные поля|Кнопка|Наверх|Свяжитесь с нами|Leave your phone|"
    r"Callback request|Error sending|Write a email|Email sent|contactUs|arcontactus|Похожие статьи|Поделиться|"
    r"ВКонтакте|Одноклассники|Leave a Reply|Your email address|Share this|Click to share|Реклама|Отправить|©|"
    r"Рубрики|Свежие записи|Powered by|Работает на", re.IGNORECASE)
# Teaser and source labels: never a paragraph of a field (as words, they are article text).
NOISE_LINE = re.compile(r"^(?:Read more\b.*|(?:Source|Related)(?:\s*:.*)?)$", re.IGNORECASE)


def noise(text: str) -> str | None:
    """The first piece of noise in ``text``, or None."""
    if match := NOISE.search(text):
        return match.group()
    return next((line for line in text.split("\n\n") if NOISE_LINE.match(line)), None)


def strings(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def page_url(page: Path) -> str:
    return page.with_name(page.name.removesuffix(".gz").removesuffix(".html") + ".url").read_text("utf-8").strip()


@pytest.mark.parametrize("page", WORDPRESS_PAGES, ids=lambda page: page.name)
def test_no_noise_reaches_any_field(page):
    record = extract_file(page, page_url(page))
    fields = {name: value for name, value in record.items() if name not in ("provenance", "section_name")}
    for name, value in fields.items():
        for text in strings(value):
            assert noise(text) is None, (name, noise(text), text[:120])
    assert record["site"] == "wordpress"
    assert record["headline"] not in record["body"]
    for teaser in record["related"]:
        assert teaser["headline"] not in record["body"]


def test_category_label_stays_out_of_the_text(tmp_path):
    site = WordPressSite.from_replica()
    seed = site.posts[0]  # the replica's render of the seed's page (a render: no golden file)
    page = tmp_path / "seed.html"
    page.write_bytes(site.get(seed.path)[2])
    record = extract_file(page, seed.url)
    assert record["section_name"] == "Russia & FSU"
    assert all("Russia & FSU" not in text for text in strings([record["body"], record["summary"], record["image"]]))


def test_rt_pages_get_the_rt_module_on_any_host():
    rt = get_site("rt")
    replica = ReplicaSite.from_feed(limit=9)
    article = replica.section_articles("russia")[0]
    for path in (article.path, "/russia/"):
        status, _, body = replica.get(path)
        page = Selector(text=body.decode())
        assert site_for_page(f"http://127.0.0.1:8000{path}", page) is rt, path
        assert site_for_page(f"https://unknown-mirror.example{path}", page) is rt, path


def test_rt_copy_declaring_the_rt_url_is_rt(tmp_path):
    page = Selector(text='<html><head><link rel="canonical" href="https://rtrunews.com/news/1-a/"></head></html>')
    assert site_for_page("https://elsewhere.example/1-a/", page) is get_site("rt")


def test_wordpress_by_markup_generic_otherwise():
    wordpress = Selector(text='<html><head><meta name="generator" content="WordPress 6.5"></head><body></body></html>')
    assert site_for_page("https://blog.example/post/", wordpress) is get_site("wordpress")
    theme = Selector(text='<html><body class="single postid-7"><link href="/wp-content/x.css"></body></html>')
    assert site_for_page("https://blog.example/post/", theme) is get_site("wordpress")
    plain = Selector(text="<html><body><article><h1>Title</h1></article></body></html>")
    assert site_for_page("https://news.example/a/", plain).name == "generic"


def test_rt_markup_beats_wordpress_markup():
    both = Selector(text='<html><head><meta name="generator" content="WordPress 6.5">'
                         '<meta property="og:site_name" content="RT International"></head></html>')
    assert site_for_page("https://copy.example/x/", both) is get_site("rt")


def test_canonical_url_by_the_module_owning_the_host():
    assert canonical_url("https://rtrunews.com/russia/608821-a/?utm_source=rss#x") == "https://www.rt.com/russia/608821-a/"
    assert canonical_url("https://blog.example/post?utm_medium=x&id=2") == "https://blog.example/post?id=2"
