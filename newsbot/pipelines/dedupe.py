"""De-duplication within a run: one record per id and per canonical URL."""

from __future__ import annotations

from itemadapter import ItemAdapter

from newsbot.pipelines import Pipeline


class DeduplicatePipeline(Pipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.seen_ids: set[str] = set()
        self.seen_urls: set[str] = set()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter["id"] in self.seen_ids:
            self.drop(adapter, "duplicate_id", adapter["id"])
        if adapter["canonical_url"] in self.seen_urls:
            self.drop(adapter, "duplicate_url", adapter["canonical_url"])
        self.seen_ids.add(adapter["id"])
        self.seen_urls.add(adapter["canonical_url"])
        return item
