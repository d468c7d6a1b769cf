"""`scrapy parse --spider=rt URL`: the URL's origin is the crawl's ``base_url`` unless one is
given, so a page of the replica (or a mirror) is not filtered as off-site."""

from __future__ import annotations

from scrapy.commands.parse import Command as ScrapyParse

from newsbot.spiders.arguments import argument_names
from newsbot.urls import origin


class Command(ScrapyParse):
    def run(self, args, opts) -> None:
        if len(args) == 1 and opts.spider:
            spider_class = self.crawler_process.spider_loader.load(opts.spider)
            if "base_url" in argument_names(spider_class) and "url" not in argument_names(spider_class):
                opts.spargs.setdefault("base_url", origin(args[0]))
        super().run(args, opts)
