"""Site modules, one per publisher, looked up by host."""

from __future__ import annotations

from newsbot.sites import rt
from newsbot.sites.base import Selectors, Site, Teaser

SITES: dict[str, Site] = {site.name: site for site in (rt.SITE,)}


def get_site(name: str) -> Site:
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"no site module named {name!r}; known: {', '.join(sorted(SITES))}") from None


def site_for_url(url: str) -> Site | None:
    """The site module owning ``url``'s host (mirrors included), or None."""
    return next((site for site in SITES.values() if site.owns(url)), None)


__all__ = ["SITES", "Selectors", "Site", "Teaser", "get_site", "site_for_url"]
