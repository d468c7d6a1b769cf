"""`scrapy crawl`, with an unknown spider or a bad spider argument as one line and exit status 2
(Scrapy's own prints a traceback from inside the reactor, or crawls nothing and exits 0)."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from newsbot.spiders.arguments import SpiderArgumentError


def usage_error(spider_loader, name: str, arguments: dict) -> str | None:
    """Why ``scrapy crawl name -a ...`` cannot run, in one line; None when it can."""
    try:
        spider_class = spider_loader.load(name)
    except KeyError:
        return f"no spider named {name!r}; spiders: {', '.join(sorted(spider_loader.list()))}"
    try:
        spider_class(**arguments)  # checks its arguments, as the crawl will
    except SpiderArgumentError as error:
        return str(error)
    return None


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) == 1 and (error := usage_error(self.crawler_process.spider_loader, args[0], opts.spargs)):
            print(f"scrapy crawl {args[0]}: {error}", file=sys.stderr)
            self.exitcode = 2
            return
        super().run(args, opts)
