"""Site modules, one per publisher (or per platform, as WordPress), looked up by host or markup."""

from __future__ import annotations

from newsbot.sites import generic, rt, wordpress
from newsbot.sites.base import Selectors, Site, Teaser
from newsbot.urls import canonicalize

# In the order markup is tried: a publisher's own markup beats the platform it may be copied onto.
SITES: dict[str, Site] = {site.name: site for site in (rt.SITE, wordpress.SITE)}


def get_site(name: str) -> Site:
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"no site module named {name!r}; known: {', '.join(sorted(SITES))}") from None


def site_for_url(url: str) -> Site | None:
    """The site module owning ``url``'s host (mirrors included), or None."""
    return next((site for site in SITES.values() if site.owns(url)), None)


def site_for_page(url: str, selector) -> Site:
    """The module for a fetched page (``selector``: the page parsed by parsel): the one owning the
    URL's host; else the one owning the host of the canonical URL the page declares (mirrors,
    replicas); else the first whose markers the page carries (RT's on any host, WordPress);
    else the generic module."""
    site = site_for_url(url)
    if site is None and (declared := declared_url(selector)):
        site = site_for_url(declared)
    return site or next((site for site in SITES.values() if site.marks(selector)), generic.SITE)


def declared_url(selector) -> str | None:
    """The canonical URL a page declares (rel=canonical, else og:url), as written there."""
    value = (selector.xpath('//link[@rel="canonical"]/@href').get()
             or selector.xpath('//meta[@property="og:url"]/@content').get())
    return value.strip() if value and value.strip() else None


def canonical_url(url: str | None) -> str | None:
    """``url`` as the module owning its host spells it (mirrors mapped to the canonical host);
    only the generic rules (tracking, fragment, AMP) for hosts no module owns; None for none."""
    if not url:
        return None
    site = site_for_url(url)
    return site.canonical(url) if site else canonicalize(url)


__all__ = ["SITES", "Selectors", "Site", "Teaser", "canonical_url", "declared_url", "get_site", "site_for_page",
           "site_for_url"]
