"""The shared duplicate filter of distributed runs (scrapy-redis), on newsbot's canonical URLs."""

from __future__ import annotations

from scrapy_redis.dupefilter import RFPDupeFilter

from newsbot.urls import canonicalize


class CanonicalDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, keyed on newsbot's canonical URL: a tracking
    parameter, a fragment, an AMP variant or a mirror host is the same request for every worker."""

    site = None
    stats = None

    @classmethod
    def from_spider(cls, spider):
        dupefilter = super().from_spider(spider)
        dupefilter.site = getattr(spider, "site", None)
        dupefilter.stats = spider.crawler.stats
        return dupefilter

    def request_seen(self, request) -> bool:
        seen = super().request_seen(request)
        if seen and self.stats is not None:
            # The run already has it (from this worker or another): the monitors need to know.
            self.stats.inc_value("newsbot/distributed/filtered")
        return seen

    def request_fingerprint(self, request):
        url = self.site.canonical(request.url) if self.site else canonicalize(request.url)
        return super().request_fingerprint(request.replace(url=url))
