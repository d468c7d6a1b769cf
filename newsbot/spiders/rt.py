"""`scrapy crawl rt -a section=russia`: RT's sections (default "Russia & FSU")."""

from newsbot.sites import rt
from newsbot.spiders.base import SiteSectionSpider


class RtSpider(SiteSectionSpider):
    name = "rt"
    site = rt.SITE
    default_section = "russia"
