"""The module for sites without one: structured data, then common markup, then trafilatura."""

import re

from newsbot.sites.base import Selectors, Site

SITE = Site(
    name="generic",
    host="",
    article_path=re.compile(r"^/(?P<section>[^/]+)/.+"),
    timezone=None,  # a time without offset: the page's country's (newsbot.extract.dates.page_zone)
    selectors=Selectors(
        headline="h1",
        published="time[datetime]",
    ),
    layers={
        # The visible <h1> a structured title confirms, else that title less the site's name.
        "headline": ("generic", "selector"),
        # People named in structured data, else in the visible byline.
        "authors": ("json-ld", "meta", "generic"),
        # JSON-LD articleBody is often a teaser or stale: only when the page yields no text.
        "body": ("selector", "generic", "json-ld"),
        # A page that does not say its language gets it detected from its text.
        "language": ("meta", "json-ld", "text"),
    },
)
