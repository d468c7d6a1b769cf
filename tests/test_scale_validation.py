"""The validate pipeline checks each record with jsonschema-rs (fast) and asks jsonschema (the
reference, with readable errors) only about the records it rejects: its verdict must be
jsonschema's on every record, valid or broken."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from itemadapter import ItemAdapter

from newsbot.pipelines.validate import compiled_schema, contract_errors
from newsbot.record import Article, schema_errors

VALID = {
    **vars(Article()),
    "id": "rt:608821", "site": "rt", "url": "http://127.0.0.1:8000/russia/608821-putin/",
    "canonical_url": "https://www.rt.com/russia/608821-putin/", "section": "russia", "section_name": "Russia & FSU",
    "headline": "Putin appoints new governor in Kursk", "summary": "The lead.", "body": "The lead.\n\nMore.",
    "authors": ["RT"], "published_at": "2024-12-06T08:24:31+00:00", "modified_at": "2024-12-06T08:30:00+00:00",
    "language": "en", "image": {"url": "https://mf.b37mrtl.ru/files/x.jpg", "caption": "A caption.", "credit": None},
    "tags": ["Kursk"], "related": [{"url": "https://www.rt.com/news/1-a/", "headline": "A"}],
    "fetched_at": "2024-12-06T10:00:00+00:00", "provenance": {"headline": "json-ld", "body": "selector"},
}
# Near misses of the schema's patterns, enums and types.
TRICKY = st.sampled_from([
    "", " ", "rt:", "RT:1", "rt:608821", "rt:608 821", "generic:0123abcd", "en", "EN", "en-US", "english",
    "2024-12-06T08:24:31+00:00", "2024-12-06T08:24:31Z", "2024-12-06T08:24:31.123+05:30", "2024-12-06 08:24:31",
    "2024-12-06T08:24:31", "2024-12-06", "https://www.rt.com/x/", "http://h", "https:// x", "ftp://h/x",
    "https://h/ spaced", "json-ld", "selector", "css", "٢٠٢٤-١٢-٠٦T08:24:31+00:00",
])
SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=12) | TRICKY
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["url", "caption", "credit", "headline", "x"]) | st.text(max_size=5),
                                        inner, max_size=4), max_leaves=6)


@st.composite
def records(draw) -> dict:
    record = dict(VALID)
    for name in draw(st.lists(st.sampled_from(sorted(VALID)), max_size=3, unique=True)):
        action = draw(st.sampled_from(["tricky", "tricky", "any", "delete"]))
        if action == "delete":
            del record[name]
        else:
            record[name] = draw(TRICKY if action == "tricky" else VALUES)
    if draw(st.integers(0, 3)) == 0:
        record[draw(st.text(max_size=8))] = draw(SCALARS)
    return record


def test_the_valid_example_is_valid():
    assert schema_errors(VALID) == []
    assert compiled_schema().is_valid(VALID)


@settings(max_examples=400, deadline=None)
@given(records())
def test_the_pipeline_finds_exactly_the_errors_jsonschema_finds(record):
    assert contract_errors(ItemAdapter(record)) == schema_errors(record)


def test_jsonschema_rs_is_the_stricter_one_on_non_ascii_digits():
    """Why the pipeline falls back to jsonschema on a rejection instead of dropping at once."""
    record = {**VALID, "fetched_at": "٢٠٢٤-١٢-٠٦T08:24:31+00:00"}  # Arabic-Indic digits
    assert not compiled_schema().is_valid(record)
    assert schema_errors(record) == [] and contract_errors(ItemAdapter(record)) == []
