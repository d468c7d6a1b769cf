"""Text cleaning: entities, Unicode, whitespace; paragraph breaks kept, repeated blocks removed."""

from __future__ import annotations

from itemadapter import ItemAdapter

from newsbot.pipelines import Pipeline
from newsbot.text import drop_repeats, join_paragraphs, normalize_line, split_paragraphs

EXTRACTED = "newsbot/extracted"  # articles that reached the pipelines (before any drop)
EXTRACTED_FIELD = "newsbot/extracted_fields/"  # + field: of those, with a non-empty value


def _line(value):
    return normalize_line(value) or None if isinstance(value, str) else value


def _unique_lines(values) -> list[str]:
    return list(dict.fromkeys(line for line in map(_line, values or []) if line))


def clean_article(adapter: ItemAdapter) -> int:
    """Clean every text field in place; return how many repeated paragraphs were removed."""
    for name in ("headline", "summary", "section_name"):
        adapter[name] = _line(adapter.get(name))
    adapter["headline"] = adapter["headline"] or ""
    paragraphs = split_paragraphs(adapter.get("body") or "")  # once: the body is most of the text
    kept = drop_repeats(paragraphs, also=(adapter["headline"],))
    adapter["body"] = join_paragraphs(kept)
    adapter["authors"] = _unique_lines(adapter.get("authors"))
    adapter["tags"] = _unique_lines(adapter.get("tags"))
    adapter["related"] = [
        {"url": entry["url"], "headline": _line(entry.get("headline")) or ""}
        for entry in adapter.get("related") or []
    ]
    image = adapter.get("image")
    if image:
        adapter["image"] = {**image, "caption": _line(image.get("caption")), "credit": _line(image.get("credit"))}
    return len(paragraphs) - len(kept)


class CleanTextPipeline(Pipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        removed = clean_article(adapter)
        if removed:
            self.stats.inc_value("newsbot/clean/repeated_paragraphs", removed)
        # Field coverage over what was extracted, before validation drops the records lacking a field.
        self.stats.inc_value(EXTRACTED)
        for name, value in adapter.items():
            if value not in (None, "", [], {}):
                self.stats.inc_value(EXTRACTED_FIELD + name)
        return item
