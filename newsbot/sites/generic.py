"""The module for sites without one: structured data, then common markup, then trafilatura."""

import re

from newsbot.sites.base import Selectors, Site

SITE = Site(
    name="generic",
    host="",
    article_path=re.compile(r"^/(?P<section>[^/]+)/.+"),
    selectors=Selectors(
        headline="h1",
        published="time[datetime]",
    ),
)
