"""`scrapy crawl rt -a section=russia`: RT's sections (default "Russia & FSU")."""

from newsbot.sites import rt
from newsbot.spiders.base import SiteSectionSpider


class RtSpider(SiteSectionSpider):
    name = "rt"
    site = rt.SITE
    default_section = "russia"

    # The callbacks again, for their contracts: `scrapy check rt [-a base_url=REPLICA]`.
    def parse_listing(self, response, page: int = 0):
        """A section page: its article links and the "More" fragment.

        @path /russia/
        @returns requests 5
        """
        return super().parse_listing(response, page)

    def parse_article(self, response):
        """An article page: one record with its required fields.

        @path /russia/608821-putin-kursk-governor-khinshtein/
        @returns items 1 1
        @returns requests 0 0
        @scrapes id url canonical_url headline body published_at
        """
        return super().parse_article(response)
