"""Scrapy contracts for newsbot's callbacks (``scrapy check``): ``@path`` is ``@url`` for a path of
the site, fetched under the spider's ``base_url``, so the same contracts check the live site or
the replica (``scrapy check rt -a base_url=http://127.0.0.1:8000``)."""

from __future__ import annotations

from scrapy.contracts import Contract


class PathContract(Contract):
    """``@path /russia/608821-.../``: the request goes to that path of the crawl's origin."""

    name = "path"

    def __init__(self, method, *args):
        super().__init__(method, *args)
        self.spider = method.__self__  # the callback is bound to the spider being checked

    def adjust_request_args(self, args: dict) -> dict:
        args["url"] = self.spider.crawl_url(self.args[0])
        return args
