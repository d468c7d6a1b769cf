"""The text-level rules for republished copies (newsbot.extract.republish), on the seed's exact text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from newsbot.extract.republish import (
    clean_copy,
    is_chrome_line,
    split_credit,
    split_glued_headline,
    take_teasers,
)
from newsbot.text import normalize_line

SEED = (Path(__file__).parent / "sites" / "wordpress" / "seed-page.txt").read_text("utf-8")
BLOCKS = [normalize_line(block) for block in SEED.split("\n\n")]  # the seed's paragraphs, as extraction sees them
HEADLINE = "Russia urges India and Pakistan to exercise restraint"
LEAD = "Moscow has called for de-escalation after New Delhi attacked alleged terrorist facilities across the border"
TEASER = "India-Pakistan standoff deepens after Kashmir attack: Key developments"
CAPTION = "FILE PHOTO: An Indian Border Security Forces patrol near the Line of Control in North Kashmir, May 4, 2025."
CREDIT = "Nasir Kachroo / NurPhoto via Getty Images"
BODY = BLOCKS[5:9] + BLOCKS[12:16]  # the article's own paragraphs, lead aside
CHROME = [normalize_line(line) for line in SEED.split("Source\n\n", 1)[1].split("\n") if line.strip()]


def test_seed_blocks_are_what_the_rules_are_about():
    assert BLOCKS[0] == "Russia & FSU" and BLOCKS[1] == BLOCKS[3] == HEADLINE
    assert BLOCKS[9] == BLOCKS[10] == TEASER and BLOCKS[11] == f"Read more {TEASER}"
    assert BLOCKS[16] == "Source" and len(CHROME) == 10


def test_lead_glued_to_the_headline_is_split_off():
    assert BLOCKS[2].endswith("borderRussia urges India and Pakistan to exercise restraint")
    assert split_glued_headline(BLOCKS[2], HEADLINE) == LEAD
    assert split_glued_headline(HEADLINE + LEAD, HEADLINE) == LEAD


def test_text_without_a_glued_headline_is_left_alone():
    assert split_glued_headline(LEAD, HEADLINE) is None
    assert split_glued_headline(HEADLINE, HEADLINE) is None  # the headline itself is no lead
    assert split_glued_headline(BODY[0], HEADLINE) is None


def test_caption_and_credit_split_at_the_copyright_sign():
    assert "©\xa0 " in SEED  # the seed's own spacing: a no-break space, then a space
    assert split_credit(BLOCKS[4]) == (CAPTION, CREDIT)
    assert split_credit(CAPTION) == (CAPTION, None)
    assert split_credit("© Reuters") == (None, "Reuters")


def test_half_removed_teaser_goes_to_related_with_its_echoes():
    kept, headlines = take_teasers(BLOCKS[5:16])
    assert kept == BODY
    assert headlines == [TEASER]


def test_teaser_variants():
    # "Read more" alone, its title on the next line (a <br> that became a paragraph break)
    assert take_teasers(["a.", TEASER, TEASER, "Read more", TEASER, "b."]) == (["a.", "b."], [TEASER])
    # RT's inline form needs no echo
    assert take_teasers(["a.", f"READ MORE: {TEASER}", "b."]) == (["a.", "b."], [TEASER])
    # a sentence that opens with "Read more" is article text; a bare label is not
    sentence = "Read more about the plan in the ministry's statement."
    assert take_teasers([sentence, "Read more", "b."]) == ([sentence, "b."], [])


def test_source_line_becomes_the_source_link():
    links = [(TEASER, "https://www.rt.com/india/1-teaser/"), ("Source", "https://www.rt.com/russia/2-original/")]
    copy = clean_copy(BLOCKS[5:17], HEADLINE, BLOCKS[2], links)
    assert copy.paragraphs == BODY
    assert copy.summary == LEAD
    assert copy.related == [(TEASER, "https://www.rt.com/india/1-teaser/")]
    assert copy.source_link == "https://www.rt.com/russia/2-original/"


def test_source_line_with_the_originals_name():
    copy = clean_copy(["Text.", "Source: RT"], "H", None, [("RT", "https://www.rt.com/news/3-x/")])
    assert (copy.paragraphs, copy.source_link) == (["Text."], "https://www.rt.com/news/3-x/")


def test_glued_lead_opening_the_body_becomes_the_summary():
    copy = clean_copy([BLOCKS[2], *BODY], HEADLINE, None, [])
    assert copy.summary == LEAD and copy.paragraphs == [LEAD, *BODY]


def test_widget_and_comment_form_lines_are_chrome():
    assert all(is_chrome_line(line) for line in CHROME), [line for line in CHROME if not is_chrome_line(line)]
    assert not any(is_chrome_line(line) for line in [LEAD, *BODY, TEASER, CAPTION])
    copy = clean_copy([*BODY, *CHROME], HEADLINE, None, [])
    assert copy.paragraphs == BODY


def test_all_rules_on_the_whole_seed_text():
    copy = clean_copy(BLOCKS[2:], HEADLINE, None, [("Source", "https://www.rt.com/russia/2-original/")])
    assert copy.summary == LEAD
    # what text rules cannot tell (the repeated headline, the caption line) markup rules drop
    assert copy.paragraphs == [LEAD, HEADLINE, BLOCKS[4], *BODY]
    assert copy.related == [(TEASER, None)]  # no link in plain text
    assert copy.source_link == "https://www.rt.com/russia/2-original/"


words = st.text(alphabet="abcdefghij ", min_size=1, max_size=30).map(normalize_line).filter(bool)


@given(st.lists(words, max_size=12))
def test_paragraphs_without_teaser_labels_are_kept(paragraphs):
    assert take_teasers(paragraphs) == (paragraphs, [])


@given(words, words)
def test_any_lead_glued_to_any_headline_comes_back(lead, headline):
    text = normalize_line(lead + headline)
    if text != normalize_line(headline) and not normalize_line(lead).startswith(normalize_line(headline)):
        assert split_glued_headline(text, headline) == normalize_line(lead)
