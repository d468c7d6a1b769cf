"""Generic extraction (no site module): body rules, dates, language, layers, and golden pages of
real sites checked against the benchmark's true text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from newsbot.cli import extract_html, main
from newsbot.evaluation import score_page
from newsbot.extract import Page
from newsbot.extract.generic import detected_language, generic_body, is_boilerplate_line

GOLDEN = Path(__file__).parent / "sites" / "generic"
URL = "https://news.example.org/world/2024/12/06/talks-resume/"
PROSE = [
    "Negotiators from both countries met in Geneva on Friday for the first time since the talks broke down in the spring.",
    "The meeting lasted six hours and ended without a joint statement, according to officials familiar with the talks.",
    "Both delegations said they would return next week, and a mediator called the atmosphere constructive but cautious.",
    "Analysts said the resumption alone was a signal that neither side wanted the conflict to escalate further this winter.",
]


def article_page(*blocks: str, head: str = "", lang: str = ' lang="en"') -> str:
    body = "\n".join(blocks)
    return f"""<!DOCTYPE html><html{lang}><head><title>Talks resume in Geneva | Example News</title>
<meta property="og:title" content="Talks resume in Geneva">
<meta property="og:description" content="Negotiators met for the first time since spring, without a deal.">
{head}</head><body>
<header><nav><a href="/world/">World</a> <a href="/sport/">Sport</a></nav></header>
<main><article><h1>Talks resume in Geneva</h1>{body}</article></main>
<footer><a href="/about/">About</a></footer></body></html>"""


def paragraphs(*texts: str) -> list[str]:
    return [f"<p>{text}</p>" for text in texts]


def body_of(html: str) -> list[str]:
    return generic_body(Page(URL, html))


# --- body rules ------------------------------------------------------------------------------

def test_headline_and_standfirst_on_top_are_not_body():
    html = article_page("<h2>Negotiators met for the first time since spring, without a deal.</h2>", *paragraphs(*PROSE))
    assert body_of(html) == PROSE


def test_a_heading_inside_the_article_stays():
    html = article_page(*paragraphs(*PROSE[:2]), "<h2>What comes next</h2>", *paragraphs(*PROSE[2:]))
    assert body_of(html) == [*PROSE[:2], "What comes next", *PROSE[2:]]


TEASERS = [("/world/2024/12/05/sanctions-widen/", "Sanctions widen as talks stall"),
           ("/world/2024/12/04/envoy-named/", "New envoy named for the region"),
           ("/sport/2024/12/04/cup-final/", "Underdogs reach the cup final")]


def test_teaser_list_of_linked_headlines_with_blurbs_is_not_body():
    items = "".join(f'<li><a href="{href}">{title}</a><span>What you need to know about it</span></li>'
                    for href, title in TEASERS)
    html = article_page(*paragraphs(*PROSE), f"<ul>{items}</ul>")
    assert body_of(html) == PROSE


def test_a_list_of_linked_sentences_is_article_text():
    items = [f'<li><a href="/world/2024/12/0{n}/story-{n}/">Item {n} of the briefing is here.</a> '
             f"More details follow in the story.</li>" for n in range(1, 4)]
    html = article_page(*paragraphs(*PROSE), f"<ul>{''.join(items)}</ul>")
    assert len(body_of(html)) == len(PROSE) + 3


def test_linked_headline_paragraphs_are_teasers_but_citations_stay():
    citation = '<p><a href="https://doi.org/10.1/x">[1] Smith J. Talks and treaties in the spring season</a></p>'
    html = article_page(*paragraphs(*PROSE[:2]), citation,
                        *(f'<p><a href="{href}">{title}</a></p>' for href, title in TEASERS), *paragraphs(*PROSE[2:]))
    assert body_of(html) == [*PROSE[:2], "[1] Smith J. Talks and treaties in the spring season", *PROSE[2:]]


def test_linked_product_headings_followed_by_prose_stay():
    html = article_page(*paragraphs(*PROSE[:2]), '<h3><a href="https://shop.example/a">Acme Travel Charger Pro</a></h3>',
                        *paragraphs(*PROSE[2:]))
    assert "Acme Travel Charger Pro" in body_of(html)


@pytest.mark.parametrize("line", [
    "Sign up for the Example News newsletter", "Get the day's top stories in your inbox.",
    "Thanks for signing up!", "There was an error processing your subscription.",
    "© 2024 Example News. All rights reserved.", "Copyright 2019 Dow Jones & Company, Inc.",
    "Reporting by Jane Doe; Editing by John Roe", "Associated Press writers A and B contributed to this report.",
    "Write to Al Root at allen.root@example.com", "Follow @ExampleDeals on Twitter for more deals.",
    "Related: Possible water plumes on Europa", "Read more:", "Tags", "- Print Article", "Comments",
    "CLICK HERE TO GET THE EXAMPLE NEWS APP", "Tempo de leitura: 2 minutos", "5 min read", "Lesezeit: 3 Minuten",
    "Updated: Nov. 19, 2019 at 10:00", "November 19, 2019 / 12:21 AM / Updated 14 hours ago",
    "Listen: https://example.com/podcast", "paul.takahashi@example.com", "Mehr zum Thema", "Lire aussi :",
    "« Previous Post Next Post »", "Getty Images", "This slideshow requires JavaScript.",
    "Subscribe Now!", "Get in-depth reporting and opinions for only N$85 a month.",
    'Dieser Artikel ist zuerst bei "Capital" erschienen.', "This story originally appeared in Grist.",
    "Lest den Originalartikel auf Englisch hier.", "– additional reporting by Jane Roe",
    # an offer to pay is dropped at any length
    "We don't have ads, so we depend on our members. " * 10 + "Become one for as little as $3 or $5 a month.",
])
def test_boilerplate_lines(line):
    assert is_boilerplate_line(line)


@pytest.mark.parametrize("line", [
    PROSE[0],
    "4:14 p.m.",  # the time heading of a live blog
    "Moreover, the newsletter's editors said the subscription model had worked for a decade, and that "
    "readers who sign up for the weekly edition now outnumber print subscribers by two to one, a first.",
    "Related to this, the ministry said on Friday that it would publish the figures next month.",
    "More than 200 people were arrested.",
    "Netflix raised the price of its basic plan to $15.49 a month on Tuesday, the company said.",
    "The study was first published in 2019 by a researcher who later ran for office.",
])
def test_article_lines_are_not_boilerplate(line):
    assert not is_boilerplate_line(line)


def test_an_empty_or_hostile_page_gives_no_body_and_no_crash():
    assert body_of("<html><body></body></html>") == []
    assert body_of("\x00\x01 not html at all") == ["not html at all"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<ul><li>", "<a href='/x/y-z-w/'>", "</a>", "<h2>", "</h2>",
                                 "Subscribe", "text text text.", "<!-- c -->", "<script>x</script>", "&amp;", "©"]),
                max_size=60))
def test_any_markup_extracts_without_error(parts):
    record = extract_html(article_page("".join(parts)), URL)
    assert record["site"] == "generic" and isinstance(record["body"], str)


# --- other fields ----------------------------------------------------------------------------

def jsonld(**fields) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def test_dates_from_structured_data_and_never_in_the_future():
    future = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
    page_html = article_page(*paragraphs(*PROSE), head=jsonld(datePublished=future) +
                             '<meta property="article:published_time" content="2024-12-06T08:00:00+00:00">')
    record = extract_html(page_html, URL)
    assert record["published_at"] == "2024-12-06T08:00:00+00:00" and record["provenance"]["published_at"] == "meta"


def test_a_date_in_the_prose_is_not_a_publication_date():
    record = extract_html(article_page(*paragraphs("On 3 March 2021 the talks began in earnest.", *PROSE)),
                          "https://news.example.org/world/talks-resume/")
    assert record["published_at"] is None


def test_language_detected_when_the_page_does_not_say():
    german = ["Die Unterhändler beider Länder trafen sich am Freitag zum ersten Mal seit dem Frühjahr in Genf.",
              "Das Treffen dauerte sechs Stunden und endete ohne gemeinsame Erklärung, sagten Beamte am Abend.",
              "Beide Delegationen wollen nächste Woche zurückkehren; ein Vermittler sprach von einer guten Atmosphäre."]
    record = extract_html(article_page(*paragraphs(*german), lang=""), URL)
    assert (record["language"], record["provenance"]["language"]) == ("de", "text")
    assert extract_html(article_page(*paragraphs(*PROSE)), URL)["provenance"]["language"] == "meta"
    assert detected_language("Too short to tell.") is None


@pytest.mark.parametrize("text", ["\n\n".join(PROSE), "Talks resumed. More soon."])
def test_jsonld_article_body_when_the_page_shows_no_text(text):
    record = extract_html(article_page(head=jsonld(headline="Talks resume in Geneva", articleBody=text)), URL)
    assert score_page(text, record["body"]).f1 == 1.0


def test_batch_prints_one_line_per_page_in_order_and_goes_on_after_a_failure(tmp_path, capsys):
    good = tmp_path / "good.html"
    good.write_text(article_page(*paragraphs(*PROSE)), "utf-8")
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(json.dumps(entry) for entry in (
        {"path": str(good), "url": URL}, {"path": str(tmp_path / "missing.html"), "url": URL},
        {"path": str(good), "url": URL})) + "\n", "utf-8")
    assert main(["extract", "--batch", str(manifest)]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [("error" in line) for line in lines] == [False, True, False]
    assert lines[0]["body"].split("\n\n") == PROSE and "FileNotFoundError" in lines[1]["error"]


# --- golden pages of real sites, held to the benchmark's true text ----------------------------

@pytest.mark.parametrize("truth", sorted(GOLDEN.glob("*.truth.txt")), ids=lambda path: path.name.split(".")[0])
def test_golden_bodies_match_the_true_text(truth):
    """The golden records (tests/test_golden.py checks them field by field) were accepted only
    where their body scores well against the benchmark's true article text."""
    record = json.loads(truth.with_name(truth.name.replace(".truth.txt", ".json")).read_text("utf-8"))
    assert record["site"] == "generic"
    assert score_page(truth.read_text("utf-8"), record["body"]).f1 >= 0.97
