"""Validation: required fields present, dates sane, the record true to the JSON Schema."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import jsonschema_rs
from itemadapter import ItemAdapter

from newsbot.pipelines import Pipeline
from newsbot.record import article_schema, schema_errors

REQUIRED = ("id", "url", "canonical_url", "headline", "body", "published_at")


@cache
def compiled_schema() -> jsonschema_rs.Validator:
    """The record schema compiled by jsonschema-rs: ~15 µs a record where jsonschema takes ~2.5 ms.
    jsonschema stays the reference: it names the errors of the records this one rejects."""
    return jsonschema_rs.validator_for(article_schema())


class ValidatePipeline(Pipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        for name in REQUIRED:
            if not adapter.get(name):
                self.drop(adapter, f"missing_{name}")
        modified = adapter.get("modified_at")
        if modified and datetime.fromisoformat(modified) < datetime.fromisoformat(adapter["published_at"]):
            # A modification before publication is a broken date, not a fact: keep the article.
            adapter["modified_at"] = None
            adapter["provenance"].pop("modified_at", None)
            self.stats.inc_value("newsbot/fixed/modified_before_published")
        record = adapter.asdict()
        errors = [] if compiled_schema().is_valid(record) else schema_errors(record)
        if errors:
            self.drop(adapter, "schema_violation", "; ".join(errors[:3]))
        return item
