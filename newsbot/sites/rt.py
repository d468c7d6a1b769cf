"""RT (www.rt.com): hosts, URL patterns, feeds, "More" pagination and article selectors."""

import re
from datetime import date

from newsbot.sites.base import Selectors, Site, Teaser

SITE = Site(
    name="rt",
    host="www.rt.com",
    mirrors=("rtrunews.com", "rurtnews.com", "runewsrt.com", "rtnewsru.com"),
    language="en",
    founded=date(2005, 12, 10),
    article_path=re.compile(r"^/(?P<section>[a-z-]+)/(?:[a-z-]+/)?(?P<id>\d+)-[^/]+/?$"),
    skip_paths=re.compile(r"^/(in-vision|in-motion)/"),
    id_in_url=True,
    # RT's pages on hosts it does not own (unknown mirrors, replicas): its article and listing markup.
    # Each marker is specific to RT: a lone div.article__text is not (PolitiFact has one too).
    markers=('meta[property="og:site_name"][content^="RT"]',
             "div.article:has(h1.article__heading):has(div.article__summary):has(div.article__text)",
             ".js-listing .card:has(.card__date)", "div.button a[data-href*='/listing/']"),
    sections={
        "russia": "Russia & FSU",
        "news": "World News",
        "business": "Business",
        "india": "India",
        "africa": "Africa",
        "op-ed": "Op-ed",
        "pop-culture": "Pop Culture",
        "sport": "Sport",
        "usa": "USA",
        "uk": "UK",
        "shows": "Shows",
        "podcasts": "Podcasts",
    },
    feed_paths=("/rss/{section}/",),
    # The "More" button holds the URL of the next HTML fragment of the listing.
    next_page="div.button a[data-href]::attr(data-href)",
    card=".card, .list-card",
    card_date=".card__date span",
    selectors=Selectors(
        headline="h1.article__heading",
        summary="div.article__summary",
        body="div.article__text",
        # By class family, not exact class: RT renames its blocks (".media__footer", "Read-more-text-only").
        body_exclude=".rtcode, figure, figcaption, [class*=media], [class*=caption], [class*=copyright], "
        "[data-role=title], [data-role=copyright], [data-role=copyright-symbol], [class*=twitter], [class*=tweet], [class*=embed], .article__short-url, [class*=share], "
        "[class*=read-more], [class*=Read-more], [class*=update_date], .article__tags-trends, [class*=subscribe], "
        "[class*=social], [class*=promo], [class*=banner], [class*=newsletter], [class*=follow]",
        teasers=(
            Teaser(block="a.read-more-big", title=".read-more-big__title"),
            Teaser(block=".read-more", link="a.read-more__link", title=".read-more__title"),
            # The feed's and current pages' box: "Read more" label, cover, linked title in the caption.
            Teaser(block="blockquote:has(figcaption a)", link="figcaption a", title="figcaption a"),
        ),
        published="div.article__date span.date_article-header",
        date_formats=("%d %b, %Y %H:%M", "%b %d, %Y %H:%M"),
        authors=".article__author-text",
        tags="a.tags-trends__link",
        image=".article__cover picture source::attr(data-srcset)",
        image_caption='.article__cover span[data-role="title"]',
        image_credit='.article__cover span[data-role="copyright"]',
    ),
    layers={
        # The visible lead is the summary; og:description is a shorter blurb.
        "summary": ("selector", "opengraph", "json-ld"),
        # A named op-ed author beats the organisation in JSON-LD.
        "authors": ("selector", "json-ld"),
        "tags": ("selector", "json-ld", "meta"),
    },
    title_suffix=re.compile(r"\s+[—–-]\s+RT\b.*$"),
    related_line=re.compile(r"^(?:READ MORE|Also on rt\.com|Read more)\s*:\s*(?P<headline>.+)$", re.IGNORECASE),
    promo_lines=(
        re.compile(r"^Like this story\? Share it with a friend!?$", re.IGNORECASE),
        re.compile(r"^Subscribe to RT newsletter\b", re.IGNORECASE),
        re.compile(r"^(You can share this story on social media|Follow RT on)\b", re.IGNORECASE),
        re.compile(r"^Get short URL$", re.IGNORECASE),
        re.compile(r"^(FILE )?PHOTO:.{0,300}©\s*\S.{0,80}$"),  # a photo caption with its credit, as text
        re.compile(r"^Watch the full (interview|video|episode|program(me)?)\b.{0,20}$", re.IGNORECASE),
    ),
)
