"""The duplicate rules (newsbot.state.ledger) on real RT texts, one run and across runs."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.sites import canonical_url
from newsbot.replica import ReplicaSite, expected_records
from newsbot.state import Fingerprinter, Ledger, SqliteStore

FINGERPRINTER = Fingerprinter()


@pytest.fixture(scope="module")
def records():
    return expected_records(ReplicaSite.from_feed())


@pytest.fixture
def state_path(tmp_path):
    return tmp_path / "state.db"


def open_run(path=None, **options) -> Ledger:
    ledger = Ledger(SqliteStore(path), FINGERPRINTER, **options)
    ledger.start()
    return ledger


def commit(ledger) -> None:
    """End a run whose output was stored."""
    ledger.finish(output_complete=True)
    ledger.close()


def admit(ledger, record, *, id=None, url=None, body=None, source_url=None, modified_at=None):
    return ledger.admit(ledger.candidate(id or record["id"], url or record["canonical_url"], source_url,
                                         modified_at or record["modified_at"], body or record["body"]))


def copy_url(record):
    return record["canonical_url"].replace("https://www.rt.com/", "https://republisher.example/news/")


def test_new_articles_are_emitted_once_per_id_and_url(records):
    ledger = open_run()
    first, other = records[0], records[1]
    assert admit(ledger, first).emit and admit(ledger, first).reason == "duplicate_id"
    again = admit(ledger, other, id="generic:0123456789abcdef", url=first["canonical_url"])
    assert (again.emit, again.reason, again.original) == (False, "duplicate_url", first["id"])
    verdict = admit(ledger, other)
    assert (verdict.emit, verdict.version, verdict.duplicate_of) == (True, 1, None)


def test_no_two_replica_articles_are_taken_for_copies(records):
    ledger = open_run()
    verdicts = [admit(ledger, record) for record in records]
    assert [v.reason for v in verdicts if not v.emit] == []


def test_same_text_on_another_url_is_duplicate_content(records):
    ledger = open_run()
    original = records[2]
    admit(ledger, original)
    # The same words, differently spaced, cased and punctuated.
    body = re.sub(r"[,.]", " ;", original["body"].upper()).replace("\n\n", "\n \n")
    verdict = admit(ledger, original, id="wp:1", url=copy_url(original), body=body)
    assert (verdict.emit, verdict.reason, verdict.original, verdict.similarity) == \
        (False, "duplicate_content", original["id"], 1.0)


def test_edited_copy_is_near_duplicate(records):
    ledger = open_run()
    original = records[3]
    admit(ledger, original)
    paragraphs = original["body"].split("\n\n")
    body = "\n\n".join([original["headline"], *paragraphs[:-1], "Read more", "Source: RT"])
    verdict = admit(ledger, original, id="wp:2", url=copy_url(original), body=body)
    assert (verdict.emit, verdict.reason, verdict.original) == (False, "near_duplicate", original["id"])
    assert FINGERPRINTER.threshold <= verdict.similarity < 1


def test_copy_naming_its_source_is_duplicate_source_either_way_round(records):
    ledger = open_run()
    original, later_original = records[4], records[5]
    admit(ledger, original)
    copy = admit(ledger, records[6], id="wp:3", url=copy_url(original), source_url=original["canonical_url"])
    assert (copy.emit, copy.reason, copy.original) == (False, "duplicate_source", original["id"])
    # A copy seen first (its text differs: only its source link tells) wins; the original is its repeat.
    first = admit(ledger, records[7], id="wp:4", url=copy_url(later_original),
                  source_url=later_original["canonical_url"])
    assert first.emit
    verdict = admit(ledger, later_original)
    assert (verdict.emit, verdict.reason, verdict.original) == (False, "duplicate_source", "wp:4")


def test_keep_duplicates_emits_copies_with_duplicate_of(records):
    ledger = open_run(keep_duplicates=True)
    original = records[8]
    admit(ledger, original)
    verdict = admit(ledger, original, id="wp:5", url=copy_url(original))
    assert (verdict.emit, verdict.reason, verdict.duplicate_of, verdict.version) == \
        (True, "duplicate_content", original["id"], 1)
    # A copy of the copy still names the original.
    third = admit(ledger, original, id="wp:6", url=copy_url(original) + "again/")
    assert third.duplicate_of == original["id"]


def test_short_texts_do_not_make_articles_copies(records):
    ledger = open_run()
    short = "Watch the video of the press conference below."
    assert admit(ledger, records[0], body=short).emit
    assert admit(ledger, records[1], body=short).emit


def test_a_copy_on_another_site_in_a_later_run_is_dropped(records, state_path):
    first = open_run(state_path)
    original = records[9]
    admit(first, original)
    commit(first)
    second = open_run(state_path)
    body = original["body"] + "\n\nThis article was originally published by RT."
    verdict = admit(second, original, id="wp:7", url=copy_url(original), body=body)
    assert (verdict.emit, verdict.reason, verdict.original) == (False, "near_duplicate", original["id"])
    assert admit(second, original).reason == "already_exported"


def test_dropped_copies_are_not_fetched_again(records, state_path):
    first = open_run(state_path)
    original = records[10]
    admit(first, original)
    admit(first, original, id="wp:8", url=copy_url(original))
    commit(first)
    second = open_run(state_path)
    assert second.skip_reason(original["canonical_url"]) == "already_exported"
    assert second.skip_reason(copy_url(original)) == "known_copy"
    assert second.skip_reason(records[11]["canonical_url"]) is None
    refresh = open_run(state_path, refresh=True)
    assert refresh.skip_reason(copy_url(original)) is None  # refresh re-reads copies too ...
    again = admit(refresh, original, id="wp:8", url=copy_url(original))
    assert (again.emit, again.reason, again.original) == (False, "duplicate_content", original["id"])  # ... and drops them


def test_refresh_emits_changed_articles_with_the_next_version(records, state_path):
    first = open_run(state_path)
    article = records[12]
    admit(first, article)
    commit(first)
    assert open_run(state_path).skip_reason(article["canonical_url"]) == "already_exported"
    refresh = open_run(state_path, refresh=True)
    assert refresh.skip_reason(article["canonical_url"]) is None
    unchanged = admit(refresh, article, body=article["body"].replace("\n\n", "\n\n "))
    assert (unchanged.emit, unchanged.reason) == (False, "unchanged")
    edited = admit(refresh, article, body=article["body"] + "\n\nUpdate: the Kremlin has commented.")
    assert (edited.emit, edited.reason, edited.version, edited.duplicate_of) == (True, "refreshed", 2, None)
    commit(refresh)
    later = open_run(state_path, refresh=True)
    redated = admit(later, article, body=article["body"] + "\n\nUpdate: the Kremlin has commented.",
                    modified_at="2024-12-07T10:00:00+00:00")
    # A new version is not taken for a copy of the article's own earlier versions.
    assert (redated.emit, redated.reason, redated.version) == (True, "refreshed", 3)


def test_without_a_state_every_run_is_complete(records):
    for _ in range(2):
        ledger = open_run()
        assert all(admit(ledger, record).emit for record in records[:5])
        commit(ledger)


def test_a_withdrawn_claim_can_be_emitted_again(records):
    ledger = open_run()
    verdict = admit(ledger, records[13])
    ledger.withdraw(records[13]["id"], verdict.version)
    assert admit(ledger, records[13]).emit


@pytest.mark.parametrize("source, canonical", [
    ("http://rtrunews.com/russia/608821-putin-kursk-governor-khinshtein?utm_source=wp#top",
     "https://www.rt.com/russia/608821-putin-kursk-governor-khinshtein/"),
    ("https://example.org/2024/12/06/story/?fbclid=x", "https://example.org/2024/12/06/story/"),
    ("", None),
])
def test_source_urls_are_compared_canonically(source, canonical):
    assert canonical_url(source) == canonical


words = st.lists(st.sampled_from("the kremlin said on friday that talks with kiev would resume soon "
                                 "after a pause of several weeks amid fighting".split()), min_size=25, max_size=120)


@settings(max_examples=60, deadline=None)
@given(words, st.sampled_from([str.upper, str.title, lambda text: text.replace(" ", "  ,\n")]))
def test_exact_fingerprint_ignores_case_spacing_and_punctuation(text_words, respell):
    text = " ".join(text_words)
    assert FINGERPRINTER.of(respell(text)).exact == FINGERPRINTER.of(text).exact


@settings(max_examples=40, deadline=None)
@given(words, words)
def test_similarity_is_symmetric_and_one_for_the_same_text(a_words, b_words):
    a, b = FINGERPRINTER.of(" ".join(a_words)), FINGERPRINTER.of(" ".join(b_words))
    assert FINGERPRINTER.similarity(a.signature, b.signature) == FINGERPRINTER.similarity(b.signature, a.signature)
    assert FINGERPRINTER.similarity(a.signature, a.signature) == 1.0
    assert FINGERPRINTER.of(" ".join(a_words)) == a  # the same text, the same print: comparable across runs
