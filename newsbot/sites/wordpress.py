"""WordPress sites: Jannah and the common themes, chosen by markup on hosts no module owns.

Many of them republish other sites' articles through a copying script (the seed page is one):
their pages get the text-level rules of newsbot.extract.republish on top of these selectors.
Article URLs (dated or plain slugs) are recognised by structure: see newsbot.listing.
"""

import re

from newsbot.sites.base import Selectors, Site, Teaser

# Inside the post content: never article text. Share bars (Jannah, Jetpack, AddToAny, Heateor),
# related-posts boxes, embeds, image blocks, ads, and the widgets that themes inject there.
NOT_TEXT = ", ".join((
    ".share-buttons", ".post-share", ".sharedaddy", ".addtoany_share_save_container", ".a2a_kit",
    ".heateor_sss_sharing_container", ".social-share", ".jp-relatedposts", "#related-posts",
    ".related-posts", ".yarpp-related", ".crp_related", ".post-bottom-meta", ".wp-block-embed",
    ".twitter-tweet", ".instagram-media", ".wp-caption", ".wp-block-image", ".gallery", ".adsbygoogle",
    ".code-block", "#respond", ".comment-respond", "#arcontactus", "#go-to-top", ".screen-reader-text",
))

SITE = Site(
    name="wordpress",
    host="",
    markers=(
        'meta[name="generator"][content^="WordPress"]',
        'link[rel="https://api.w.org/"]',
        'link[href*="/wp-content/"], script[src*="/wp-content/"], link[href*="/wp-includes/"]',
        'body[class*="postid-"], body[class*="wp-theme-"]',
    ),
    listing_area=".main-content, main, #primary, .site-main",
    next_page='link[rel="next"]::attr(href), a.next.page-numbers::attr(href), '
              "li.the-next-page a::attr(href), .nav-previous a::attr(href)",
    copies_articles=True,
    selectors=Selectors(
        headline="h1.entry-title, h1.post-title",
        summary="h2.entry-sub-title, .entry-subtitle",  # Jannah's sub-title, where copies put the lead
        body="article#the-post .entry-content, article .entry-content, .entry-content, article .post-content",
        body_exclude=NOT_TEXT,
        # A teaser of the original's feed that a copying script kept whole (RT's "Read more" box).
        teasers=(Teaser(block="blockquote:has(> span > strong):has(figcaption a)", link="figcaption a"),),
        published="time.entry-date[datetime], time.published[datetime]",
        modified="time.updated[datetime]",
        authors=".meta-author a, .author.vcard a, a[rel='author']",
        tags=".post-bottom-meta .tagcloud a, a[rel='tag']",
        image="figure.single-featured-image img::attr(src), .post-thumbnail img::attr(src), "
              "figure.wp-block-post-featured-image img::attr(src)",
        image_caption="figcaption.single-caption-text, .post-thumbnail figcaption, "
                      "figure.wp-block-post-featured-image figcaption",
        section=".post-cat-wrap a, .cat-links a, a[rel='category tag']",
        source=".post-bottom-source a::attr(href)",  # Jannah's "Source" box
    ),
    layers={
        # Yoast's Article headline is the post title; its og:title carries the site name.
        "headline": ("json-ld", "selector", "opengraph", "generic"),
        # The visible sub-title is the lead; og:description is an excerpt or an SEO blurb.
        "summary": ("selector", "json-ld", "opengraph"),
        # The category link's slug (article:section holds the label, not the slug).
        "section": ("selector", "json-ld"),
        "section_name": ("selector", "meta"),
        # Copies keep the install's language (a Russian WordPress re-posting English articles):
        # the text says what the article is in.
        "language": ("text", "meta", "json-ld"),
    },
    title_suffix=re.compile(r"\s+[—–|-]\s+[^—–|-]+$"),
)
