"""Text cleaning: entities, Unicode, whitespace; paragraph breaks kept, repeated blocks removed."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from newsbot.extract.values import http_url
from newsbot.pipelines import Pipeline, logger
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
    adapter["related"] = [  # a teaser without a usable link (javascript:, mailto:) is no related article
        {"url": entry["url"], "headline": _line(entry.get("headline")) or ""}
        for entry in adapter.get("related") or [] if http_url(entry.get("url"), "")
    ]
    image = adapter.get("image")
    if image:
        adapter["image"] = {**image, "caption": _line(image.get("caption")), "credit": _line(image.get("credit"))}
    return len(paragraphs) - len(kept)


class CleanTextPipeline(Pipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.item_limit = crawler.settings.getint("CLOSESPIDER_ITEMCOUNT")
        self.in_flight: set[int] = set()  # items past this pipeline, not yet written or dropped
        if self.item_limit:
            for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
                crawler.signals.connect(self.settled, signal=signal)

    def settled(self, item) -> None:
        self.in_flight.discard(id(item))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if self.item_limit:
            if self.stats.get_value("item_scraped_count", 0) + len(self.in_flight) >= self.item_limit:
                # Closing at CLOSESPIDER_ITEMCOUNT: pages downloaded meanwhile are neither written
                # nor claimed in the state (a later run exports them); the output stops at the limit.
                self.stats.inc_value("newsbot/skipped/over_item_limit")
                raise DropItem(f"over_item_limit: {adapter.get('url')}", log_level="DEBUG")
            self.in_flight.add(id(item))
        teasers = len(adapter.get("related") or [])
        removed = clean_article(adapter)
        if len(adapter["related"]) < teasers:
            self.stats.inc_value("newsbot/fixed/related")
            logger.warning("Fixed related: %d teaser(s) without a usable URL left out: %s",
                           teasers - len(adapter["related"]), adapter.get("url"))
        if removed:
            self.stats.inc_value("newsbot/clean/repeated_paragraphs", removed)
        # Field coverage over what was extracted, before validation drops the records lacking a field.
        self.stats.inc_value(EXTRACTED)
        for name, value in adapter.items():
            if value not in (None, "", [], {}):
                self.stats.inc_value(EXTRACTED_FIELD + name)
        return item
