"""The shared duplicate filter of distributed runs (scrapy-redis), on newsbot's canonical URLs."""

from __future__ import annotations

from scrapy_redis.dupefilter import RFPDupeFilter


class CanonicalDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, keyed on the crawler's request fingerprint
    (newsbot.request_fingerprint: the canonical URL): a tracking parameter, a fragment, an AMP
    variant or a mirror host is the same request for every worker, and an article linked from
    the listing and the feed is fetched by one worker once."""

    fingerprinter = None

    @classmethod
    def from_spider(cls, spider):
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request) -> str:
        return self.fingerprinter.fingerprint(request).hex()
