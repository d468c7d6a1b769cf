"""Properties of cleaning and canonicalisation, on any text, URL or small page (Hypothesis)."""

from __future__ import annotations

import unicodedata
from html import escape

from hypothesis import given, settings, strategies as st
from lxml import html as lxml_html

from newsbot.extract.body import body_text
from newsbot.sites import get_site
from newsbot.text import clean_body, join_paragraphs, normalize_key, normalize_line, split_paragraphs
from newsbot.urls import canonicalize, origin, rebase

RT = get_site("rt")
EVERYDAY = settings(max_examples=300, deadline=None)

# Text that looks like what pages hold: words, entities, odd spaces and invisible characters.
WORDS = st.sampled_from(["Putin", "Москва", "café", "naïve", "e\u0301", "&amp;", "&lt;b&gt;", "&#8212;", "&nbsp;",
                         "\u00ad", "\u200b", "\ufeff", "\xa0", "\t", "—", "«", "»", "1,000", "U.S.", "x", "ǅ"])
PAGE_TEXT = st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=30).map(" ".join)
ENTITY_SOUP = st.text(alphabet="&amp;ltg#x3B0123456789 ", max_size=30)  # entities within entities
MARK_SOUP = st.text(alphabet="eaA\u0301\u0308\u200b\u00ad\ufeff \t", max_size=20)  # marks beside invisibles
ANY_TEXT = st.one_of(st.text(), PAGE_TEXT, ENTITY_SOUP, MARK_SOUP)
URLS = st.one_of(
    st.text(),
    st.builds(lambda scheme, host, port, path, query, fragment: f"{scheme}://{host}{port}{path}{query}{fragment}",
              st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
              st.sampled_from(["www.rt.com", "RT.com", "rtrunews.com", "127.0.0.1", "[::1]", "[::1", "xn--e1afmkfd.xn--p1ai",
                               "ex ample.com", ""]),
              st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":x"]),
              st.lists(st.sampled_from(["russia", "608821-putin-kursk", "amp", "", "..", ".", "%2F", "a b", "ü"]),
                       max_size=4).map(lambda parts: "/" + "/".join(parts)),
              st.sampled_from(["", "?utm_source=x", "?a=1&utm_medium=y&b=", "?amp=1", "?fbclid=z&x=%20", "?=&&"]),
              st.sampled_from(["", "#comments", "#"])),
)


def nfc_length(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


@EVERYDAY
@given(ANY_TEXT)
def test_normalize_line_is_idempotent_and_never_grows(text):
    once = normalize_line(text)
    assert normalize_line(once) == once
    assert len(once) <= nfc_length(text)
    assert "\n" not in once and once == once.strip()


@EVERYDAY
@given(st.lists(ANY_TEXT, max_size=8).map("\n\n".join), st.tuples(ANY_TEXT))
def test_clean_body_is_idempotent_never_grows_and_keeps_every_distinct_paragraph(text, also):
    cleaned = clean_body(text, also_drop=also)
    assert clean_body(cleaned, also_drop=also) == cleaned
    assert len(cleaned) <= nfc_length(text)
    kept = {normalize_key(paragraph) for paragraph in split_paragraphs(cleaned)}
    dropped = {normalize_key(value) for value in also}
    for paragraph in split_paragraphs(text):
        assert normalize_key(paragraph) in kept | dropped


@EVERYDAY
@given(st.lists(ANY_TEXT, max_size=8))
def test_paragraphs_survive_a_join_and_split(paragraphs):
    once = split_paragraphs(join_paragraphs(paragraphs))
    assert split_paragraphs(join_paragraphs(once)) == once


@EVERYDAY
@given(URLS)
def test_canonicalize_never_raises_and_is_idempotent(url):
    for host_map in (None, RT.host_map):
        for trailing_slash in (None, True, False):
            once = canonicalize(url, host_map, trailing_slash=trailing_slash)
            assert canonicalize(once, host_map, trailing_slash=trailing_slash) == once
            assert "#" not in once and "utm_" not in once


@EVERYDAY
@given(URLS)
def test_site_canonical_is_idempotent_and_safe_to_match(url):
    once = RT.canonical(url)
    assert RT.canonical(once) == once
    if RT.owns(once):  # what the spider asks of every link, after canonicalising it
        assert once.startswith("https://www.rt.com/")
        RT.article_match(once)


@EVERYDAY
@given(URLS, st.sampled_from(["http://127.0.0.1:8000", "https://www.rt.com"]))
def test_rebase_keeps_path_and_query_under_the_new_origin(url, base):
    moved = rebase(url, base)
    assert moved == "" or origin(moved) == base


# -- body text of small generated pages --

NOISE = [pattern for pattern in RT.promo_lines]
WRAPPERS = st.sampled_from(["{}", "<b>{}</b>", "<span>{}</span>", "<a href='/x'>{}</a>", "<em><i>{}</i></em>",
                            "<div>{}</div>", "{}<br>", "<!-- c -->{}"])
# What HTML can carry: no control characters (a parser turns them into U+FFFD), no surrogates.
HTML_TEXT = st.lists(st.one_of(WORDS, st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=8)),
                     max_size=30).map(" ".join)
PARAGRAPH = st.tuples(HTML_TEXT, WRAPPERS)
CONTAINERS = st.sampled_from(["<p>{}</p>", "<h2>{}</h2>", "<blockquote><p>{}</p></blockquote>", "<ul><li>{}</li></ul>",
                              "<div><div>{}</div></div>"])
SKIPPED = st.sampled_from(["", "<script>var x = 'hidden';</script>", "<figure><figcaption>Caption ©</figcaption></figure>",
                           "<style>p {}</style>", "<div class='article__share'>Share this</div>"])


def is_noise(paragraph: str) -> bool:
    return any(pattern.search(paragraph) for pattern in NOISE) or bool(RT.related_line.match(paragraph))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(PARAGRAPH, CONTAINERS, SKIPPED), min_size=1, max_size=8))
def test_body_text_keeps_every_paragraph_that_is_not_noise(blocks):
    markup = "".join(skip + container.format(wrapper.format(escape(text)))
                     for (text, wrapper), container, skip in blocks)
    container = lxml_html.fromstring(f"<div class='article__text'>{markup}</div>")
    paragraphs = body_text(container, RT, "https://www.rt.com/russia/1-a/").paragraphs
    assert all(paragraph == normalize_line(paragraph) and paragraph for paragraph in paragraphs)
    got = " ".join(paragraphs)
    for (text, _), _, _ in blocks:
        expected = normalize_line(text)
        if expected and not is_noise(expected):
            assert expected in got, (expected, paragraphs)
    assert "hidden" not in got and "Caption" not in got and "Share this" not in got
