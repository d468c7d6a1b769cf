"""RT's site sections: the labels and title suffixes the real site uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    slug: str
    label: str  # nav and breadcrumb text
    title: str  # <title> suffix and RSS channel title
    topic: str  # the section's own trend tag


_KNOWN = {
    section.slug: section
    for section in (
        Section("news", "World News", "RT World News", "World"),
        Section("russia", "Russia & FSU", "RT Russia & Former Soviet Union", "Russia"),
        Section("india", "India", "RT India", "India"),
        Section("africa", "Africa", "RT Africa", "Africa"),
        Section("business", "Business", "RT Business News", "Economy"),
        Section("op-ed", "Op-ed", "RT Op-ed", "Opinion"),
        Section("pop-culture", "Pop Culture", "RT Pop Culture", "Culture"),
        Section("sport", "Sport", "RT Sport News", "Sport"),
        Section("usa", "USA", "RT USA News", "USA"),
        Section("uk", "UK", "RT UK News", "UK"),
    )
}


def section_info(slug: str) -> Section:
    """The section's labels; sections the table lacks get generic ones."""
    label = slug.replace("-", " ").title()
    return _KNOWN.get(slug) or Section(slug, label, f"RT {label}", label)


def section_order(slug: str) -> int:
    """Position in RT's navigation bar; unknown sections go last."""
    order = list(_KNOWN)
    return order.index(slug) if slug in _KNOWN else len(order)
