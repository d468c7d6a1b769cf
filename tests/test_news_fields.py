"""News fields on any publisher's page: headline, authors, published_at (newsbot.extract)."""

from __future__ import annotations

import json

import pytest

from newsbot.cli import extract_html
from newsbot.extract.authors import is_byline_line, split_names
from newsbot.extract.dates import parse_stated


def page(head: str = "", body: str = "", url: str = "https://news.example.de/politik/a-1.html") -> dict:
    html = f"<html><head>{head}</head><body><article>{body}<p>{'Ein Satz der Meldung. ' * 30}</p></article></body></html>"
    return extract_html(html, url)


def ld(data: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **data})}</script>'


@pytest.mark.parametrize("text, names", [
    ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
    ("Von Anna Schmidt und Jan Müller, dpa", ["Anna Schmidt", "Jan Müller", "dpa"]),
    ("Autor: Monika Bolliger und Anna Trechsel, Sweidah", ["Monika Bolliger", "Anna Trechsel", "Sweidah"]),
    ("Jane Doe, Senior Reporter", ["Jane Doe"]),
    ("https://www.facebook.com/example", []),
    ("jane.doe@example.com", []),
    ("12345", []),
])
def test_joined_names_are_split_and_non_names_dropped(text, names):
    assert split_names(text) == names


def test_people_beat_the_organisation_which_is_kept_only_alone():
    byline = '<p class="article__author">Von Seb Dumitru</p>'
    organisation = ld({"author": {"@type": "Organization", "name": "Example News"}})
    record = page(organisation, byline)
    assert record["authors"] == ["Seb Dumitru"]
    alone = page(organisation)
    assert alone["authors"] == ["Example News"]
    assert alone["provenance"]["authors.organisation"] == "json-ld"


def test_person_by_given_and_family_name_and_by_reference():
    record = page(ld({"author": [{"@type": "Person", "givenName": "Anna Giulia", "familyName": "Fink"}]}))
    assert record["authors"] == ["Anna Giulia Fink"]
    graph = {"@graph": [{"@type": "NewsArticle", "author": {"@id": "#p1"}},
                        {"@type": "Person", "@id": "#p1", "name": "Timo Shihepo"}]}
    record = page(f'<script type="application/ld+json">{json.dumps(graph)}</script>')
    assert record["authors"] == ["Timo Shihepo"]


def test_a_person_named_as_the_site_is_the_site():
    site_as_person = ld({"author": {"@type": "Person", "name": "Example "}})
    meta = '<meta name="author" content="Shany Littman">'
    record = page(site_as_person + meta, url="https://example.de/politik/a-1.html")
    assert record["authors"] == ["Shany Littman"]
    assert record["provenance"]["authors"] == "meta"


def test_every_author_meta_tag_is_read_and_roles_dropped():
    head = ('<meta property="article:author" content="Mathias Hagen / Journalist">'
            '<meta property="article:author" content="Anders Skjerdingstad / Journalist">')
    assert page(head)["authors"] == ["Mathias Hagen", "Anders Skjerdingstad"]
    assert page('<meta name="article:author_name" content="Angus Thompson">')["authors"] == ["Angus Thompson"]


def test_a_byline_of_one_element_per_author_gives_them_all():
    byline = ('<address><a rel="author" href="/a/1">Simone Jülicher</a> und '
              '<a rel="author" href="/a/2">Rainer Grünberg</a></address>')
    assert page(body=byline)["authors"] == ["Simone Jülicher", "Rainer Grünberg"]


def test_a_byline_inside_a_class_word_that_only_contains_a_furniture_word_is_read():
    byline = '<div class="softbranding"><p class="textauthor">von Oliver Kring</p></div>'
    assert page(body=byline)["authors"] == ["Oliver Kring"]
    assert page(body='<div class="article-comments"><p class="author">Jane Roe</p></div>')["authors"] == []


@pytest.mark.parametrize("line, byline", [
    ("Nikita Mazurov", True), ("Nikita Mazurov|Published", True), ("By Nikita Mazurov, Example", True),
    ("Nikita Mazurov wrote that the post had been deleted.", False),  # a sentence naming the author
    ("Nikita Mazurovexample", False),  # the name as whole words only
])
def test_a_line_of_the_author_names_is_a_byline(line, byline):
    assert is_byline_line(line, ["Nikita Mazurov"]) is byline


def test_the_signature_line_leaves_the_body():
    record = page(ld({"author": {"@type": "Person", "name": "Nikita Mazurov"}}), "<p>Nikita Mazurov</p>")
    assert "Nikita Mazurov" not in record["body"]


def test_jsonld_hidden_in_a_cdata_section_or_comment_is_read():
    block = json.dumps({"@type": "NewsArticle", "datePublished": "2024-08-22T12:00:00+02:00"})
    for wrapped in (f"//<![CDATA[\n{block}\n//]]>", f"<!--\n{block}\n-->"):
        record = page(f'<script type="application/ld+json">{wrapped}</script>')
        assert record["published_at"] == "2024-08-22T12:00:00+02:00"


def test_published_keeps_the_page_offset_and_prefers_a_stated_one():
    naive = ld({"datePublished": "2023-04-28 18:11:01.0"})
    meta = '<meta property="article:published_time" content="2023-04-28T18:11:01+02:00">'
    assert page(naive + meta)["published_at"] == "2023-04-28T18:11:01+02:00"
    # a time with an offset that states another moment is another event's: not taken; the page's
    # own time without offset is read in its country's zone (a .de page: Berlin's)
    other = '<meta property="article:published_time" content="2023-04-20T09:00:00+02:00">'
    assert page(naive + other)["published_at"] == "2023-04-28T18:11:01+02:00"


@pytest.mark.parametrize("url, head, expected", [
    ("https://news.example.de/politik/a-1.html", "", "2023-01-28T18:11:01+01:00"),  # Germany: one time, winter
    ("https://example.com/politik/a-1.html", '<meta property="og:locale" content="de_AT">', "2023-01-28T18:11:01+01:00"),
    ("https://example.com/news/a-1.html", '<meta property="og:locale" content="en_US">', "2023-01-28T18:11:01+00:00"),
    ("https://example.es/news/a-1.html", "", "2023-01-28T18:11:01+00:00"),  # Spain keeps two times: unknown
    ("https://example.co.uk/news/a-1.html", "", "2023-07-28T18:11:01+01:00"),
])
def test_a_time_without_offset_is_the_wall_clock_of_the_page_country(url, head, expected):
    moment = "2023-07-28 18:11:01" if ".uk" in url else "2023-01-28 18:11:01"
    assert page(head + ld({"datePublished": moment}), url=url)["published_at"] == expected


def test_a_date_alone_gives_way_to_a_timed_value_of_that_day():
    date_only = ld({"datePublished": "2024-08-22"})
    timed = '<meta property="article:published_time" content="2024-08-22T12:00:00+02:00">'
    assert page(date_only + timed)["published_at"] == "2024-08-22T12:00:00+02:00"


@pytest.mark.parametrize("value, expected", [
    ("2024-05-03 15:47 CEST", "2024-05-03T15:47:00+02:00"),
    ("2024-05-03 15:47 (MESZ)", "2024-05-03T15:47:00+02:00"),
    ("2024-05-03T15:47:00-04:00", "2024-05-03T15:47:00-04:00"),
])
def test_a_zone_abbreviation_gives_the_offset(value, expected):
    assert parse_stated(value).isoformat() == expected


def test_headline_without_site_section_and_date():
    head = ('<title>Ziele, Chancen, Risiken | Europa | DW | 28.04.2023</title>'
            '<meta property="og:title" content="Ziele, Chancen, Risiken | DW | 28.04.2023">'
            '<meta property="og:site_name" content="DW.COM">')
    assert page(head, "<h1>Ziele, Chancen, Risiken</h1>", "https://www.dw.com/de/a-1")["headline"] == \
        "Ziele, Chancen, Risiken"
    head = '<title>Nam, SA pipeline flagged - The Namibian</title><meta property="og:site_name" content="The Namibian">'
    assert page(head, url="https://www.namibian.com.na/a/")["headline"] == "Nam, SA pipeline flagged"
