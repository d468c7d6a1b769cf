"""Is a layer's value usable for its field? Checked where the value is picked, so that a bad value
(an ``og:image`` that is a ``data:`` URI, an ``og:url`` of ``http://[`` or with port 99999, a
list with blank names) falls through to the next layer instead of costing the whole article.

``usable(field, value, base)`` returns the value to keep (absolute URL, list without blanks) or
None when the value is unusable. A field no layer has a usable value for stays null; the spider
counts it as ``newsbot/fixed/<field>`` (FIXED_PREFIX in ``Page.problems``) and logs the URL.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

URL_FIELDS = frozenset({"canonical_url", "image", "source_url"})
DATE_FIELDS = frozenset({"published_at", "modified_at"})
LIST_FIELDS = frozenset({"authors", "tags", "body"})
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")  # BCP 47 shape, or en_US
FIXED_PREFIX = "fixed/"  # a Page problem "fixed/<field>": no layer had a usable value


def http_url(value: Any, base: str) -> str | None:
    """``value`` resolved against ``base`` when that is an absolute http(s) URL with a host and a
    valid port; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def iso_datetime(value: Any) -> str | None:
    """An ISO 8601 timestamp with an offset (what the date sources produce), else None."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return value if moment is not None and moment.tzinfo is not None else None


def non_empty_strings(value: Any) -> list[str] | None:
    """The non-blank strings of a list, or None when none is left (or it is not a list)."""
    if not isinstance(value, list):
        return None
    kept = [item for item in value if isinstance(item, str) and item.strip()]
    return kept or None


def usable(field: str, value: Any, base: str) -> Any:
    """The value to keep for ``field``, or None when ``value`` is unusable (next layer's turn)."""
    if field in URL_FIELDS:
        return http_url(value, base)
    if field in DATE_FIELDS:
        return iso_datetime(value)
    if field in LIST_FIELDS:
        return non_empty_strings(value)
    if not isinstance(value, str) or not value.strip():
        return None
    if field == "language" and not LANGUAGE_TAG.match(value.strip()):
        return None
    return value
