"""De-duplication: one record per article and per story, within the run and, with
NEWSBOT_STATE, across runs. The rules are in newsbot.state.ledger; this pipeline applies the
verdict: drops are counted as newsbot/dropped/<reason> and logged with the original's id. Part
of the state component (newsbot.state.StateAddon installs it with the state extension)."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from newsbot.pipelines import Pipeline
from newsbot.sites import canonical_url
from newsbot.state import StateExtension
from newsbot.state.ledger import DUPLICATE_ID, DUPLICATE_URL, NEAR_DUPLICATE, UNCHANGED

# Repeats within a run point at a site or discovery problem; the rest is routine.
DROP_LOG_LEVELS = {DUPLICATE_ID: logging.WARNING, DUPLICATE_URL: logging.WARNING, UNCHANGED: logging.DEBUG}


class DeduplicatePipeline(Pipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.state = StateExtension.of(crawler)
        if self.state is None:
            raise NotConfigured("the state extension (newsbot.state.StateExtension) is off")

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        verdict = await self.state.admit(item, adapter["id"], adapter["canonical_url"],
                                   canonical_url(adapter.get("source_url")), adapter.get("modified_at"),
                                   adapter["body"])
        if not verdict.emit:
            detail = f"of {verdict.original}" if verdict.original else ""
            if verdict.reason == NEAR_DUPLICATE:
                detail += f", similarity {verdict.similarity:.2f}"
            self.drop(adapter, verdict.reason, detail, level=DROP_LOG_LEVELS.get(verdict.reason, logging.INFO))
        if verdict.reason:  # a new version, or a copy kept with NEWSBOT_KEEP_DUPLICATES
            self.stats.inc_value(f"newsbot/emitted/{verdict.reason}")
        adapter["version"] = verdict.version
        adapter["duplicate_of"] = verdict.duplicate_of
        return item
