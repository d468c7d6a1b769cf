"""Spider arguments (``-a NAME=VALUE``) checked when the spider is made: a bad one is one clear
line (SpiderArgumentError), never a traceback, a silent default or a crawl of nothing."""

from __future__ import annotations

import inspect
from datetime import datetime, timezone
from urllib.parse import urlsplit

from newsbot.extract.dates import parse_datetime

SCRAPY_ARGUMENTS = frozenset({"_job", "name"})  # Scrapyd's job id; Spider's own


class SpiderArgumentError(ValueError):
    """A spider argument that cannot be used; the message names it and says what is expected."""


def argument_names(spider_class) -> list[str]:
    """Every ``-a`` argument the spider takes: the named parameters of each ``__init__`` it inherits."""
    names = []
    for klass in spider_class.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind is parameter.POSITIONAL_OR_KEYWORD and parameter.name != "self" \
                    and parameter.name not in names and parameter.name != "name":
                names.append(parameter.name)
    return names


def reject_unknown(spider_class, extra: dict) -> None:
    unknown = sorted(name for name in extra if name not in SCRAPY_ARGUMENTS)
    if unknown:
        raise SpiderArgumentError(f"unknown argument{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} for "
                                  f"spider {spider_class.name!r}; valid: {', '.join(argument_names(spider_class))}")


def parse_since(value: str | None) -> datetime | None:
    """``since`` as given on the command line: a date or an ISO datetime (UTC when no offset), not
    in the future."""
    if not value:
        return None
    moment = parse_datetime(value if "T" in value or " " in value else f"{value}T00:00:00")
    if moment is None:
        raise SpiderArgumentError(f"since={value!r} is not a date (expected YYYY-MM-DD or ISO 8601)")
    if moment > datetime.now(timezone.utc):
        raise SpiderArgumentError(f"since={value!r} is in the future: no article can be newer")
    return moment


def parse_max_pages(value) -> int | None:
    """A positive number of listing pages; None (no bound) when not given or 0."""
    if value in (None, "", "0", 0):
        return None
    try:
        pages = int(value)
    except (TypeError, ValueError):
        raise SpiderArgumentError(f"max_pages={value!r} is not a whole number of listing pages") from None
    if pages < 0:
        raise SpiderArgumentError(f"max_pages={value!r} must be positive (0 or no value: no bound)")
    return pages


def http_url_argument(name: str, value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(f"{name}={value!r} is not an http(s) URL (e.g. https://www.example.com)")
    return value


def site_argument(name: str):
    """The site module ``-a site=NAME`` names."""
    from newsbot.sites import get_site

    try:
        return get_site(name)
    except KeyError as error:
        raise SpiderArgumentError(f"site={name!r}: {error.args[0]}") from None
