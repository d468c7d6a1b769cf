"""Dates to ISO 8601 with offset; wrong ones (future, before the site existed) rejected."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

FUTURE_TOLERANCE = timedelta(days=1)  # clock skew and time zones, not more
# Zone abbreviations news pages write after a time, with their offsets in hours (the unambiguous
# ones: "IST" or "CST" name several zones and are left alone).
ZONE_OFFSETS = {"UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2,
                "EET": 2, "EEST": 3, "MSK": 3, "TRT": 3, "GST": 4, "PKT": 5, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8,
                "AWST": 8, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "EST": -5, "EDT": -4, "PST": -8, "PDT": -7,
                "MST": -7, "MDT": -6, "CDT": -5, "SAST": 2, "WAT": 1, "EAT": 3}
ZONE_SUFFIX = re.compile(r"\s*\(?(?P<name>[A-Za-z]{1,5})\)?$")


def parse_datetime(value: str | None, formats: tuple[str, ...] = (), tz: str = "UTC") -> datetime | None:
    """An aware datetime from ISO 8601, RFC 822 or one of ``formats``; naive times are in ``tz``."""
    if not value or not isinstance(value, str):
        return None
    text = " ".join(value.split())
    parsed = _parse(text, formats)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc if tz == "UTC" else ZoneInfo(tz))
    return parsed


def _parse(text: str, formats: tuple[str, ...]) -> datetime | None:
    zone = ZONE_SUFFIX.search(text)
    if zone and zone.group("name").upper() in ZONE_OFFSETS:
        # "2024-05-03 15:47 CEST": the page's offset, by its zone's abbreviation, not dropped
        moment = _parse_plain(text[:zone.start()], formats)
        if moment is not None and moment.tzinfo is None:
            return moment.replace(tzinfo=timezone(timedelta(hours=ZONE_OFFSETS[zone.group("name").upper()])))
    return _parse_plain(text, formats)


def _parse_plain(text: str, formats: tuple[str, ...]) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# How much of a moment a stated value gives: a date, a time, a time with the page's offset.
DATE_ONLY, TIMED, TIMED_WITH_OFFSET = 0, 1, 2
SAME_MOMENT_SECONDS = 60
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")


def precision(value: str, moment: datetime) -> int:
    """DATE_ONLY, TIMED or TIMED_WITH_OFFSET for a parsed ``value`` (before a zone was assumed)."""
    if moment.tzinfo is not None:
        return TIMED_WITH_OFFSET
    return TIMED if _TIME_OF_DAY.search(value) and (moment.hour, moment.minute, moment.second) != (0, 0, 0) else DATE_ONLY


def same_moment(coarse: datetime, fine: datetime) -> bool:
    """Whether ``fine`` states the moment ``coarse`` states less fully: the same day (a date
    alone), the same clock time (a time without offset), or the same instant."""
    if coarse.tzinfo is not None and fine.tzinfo is not None:
        return abs((coarse - fine).total_seconds()) <= SAME_MOMENT_SECONDS
    if (coarse.hour, coarse.minute, coarse.second) == (0, 0, 0):
        return coarse.date() == fine.date()
    wall = fine.replace(tzinfo=None)
    as_utc = fine.astimezone(timezone.utc).replace(tzinfo=None) if fine.tzinfo else wall
    return any(abs((coarse.replace(tzinfo=None) - other).total_seconds()) <= SAME_MOMENT_SECONDS for other in (wall, as_utc))


def parse_stated(value: str | None, formats: tuple[str, ...] = ()) -> datetime | None:
    """``value`` parsed as the page states it: aware only when the page gives an offset."""
    if not value or not isinstance(value, str):
        return None
    return _parse(" ".join(value.split()), formats)


def is_plausible(moment: datetime, founded: date, now: datetime | None = None) -> bool:
    now = now or datetime.now(timezone.utc)
    return founded <= moment.date() and moment <= now + FUTURE_TOLERANCE


def iso(moment: datetime) -> str:
    """ISO 8601 with an explicit offset, seconds precision ("+00:00", never "Z")."""
    return moment.replace(microsecond=0).isoformat()
