"""Dates to ISO 8601 with offset; wrong ones (future, before the site existed) rejected."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

FUTURE_TOLERANCE = timedelta(days=1)  # clock skew and time zones, not more
# Zone abbreviations news pages write after a time, with their offsets in hours (the unambiguous
# ones: "IST" or "CST" name several zones and are left alone).
ZONE_OFFSETS = {"UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2,
                "EET": 2, "EEST": 3, "MSK": 3, "TRT": 3, "GST": 4, "PKT": 5, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8,
                "AWST": 8, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "EST": -5, "EDT": -4, "PST": -8, "PDT": -7,
                "MST": -7, "MDT": -6, "CDT": -5, "SAST": 2, "WAT": 1, "EAT": 3}
ZONE_SUFFIX = re.compile(r"\s*\(?(?P<name>[A-Za-z]{1,5})\)?$")


def parse_datetime(value: str | None, formats: tuple[str, ...] = (), tz: str | None = "UTC") -> datetime | None:
    """An aware datetime from ISO 8601, RFC 822 or one of ``formats``; naive times are in ``tz`` (None: UTC)."""
    if not value or not isinstance(value, str):
        return None
    text = " ".join(value.split())
    parsed = _parse(text, formats)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc if tz in (None, "UTC") else ZoneInfo(tz))
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


# -- the page's local time: a time without offset is the wall clock of the publisher's country --
_LANGUAGE_REGION = re.compile(r"^[a-z]{2,3}[-_]([a-z]{2})\b", re.IGNORECASE)
_COUNTRY_OF_TLD = {"uk": "GB"}  # the one ccTLD that is not the country's ISO 3166 code


@cache
def _country_zones() -> dict[str, tuple[str, ...]]:
    """ISO 3166 country code -> its time zones, from the IANA database's zone.tab (the tzdata
    package's copy, else the system's)."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        found = [Path(folder) / "zone.tab" for folder in zoneinfo.TZPATH if (Path(folder) / "zone.tab").is_file()]
        text = found[0].read_text("utf-8") if found else ""
    zones: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not line.startswith("#"):
            zones[fields[0]] = zones.get(fields[0], ()) + (fields[2],)
    return zones


@cache
def country_zone(country: str | None) -> str | None:
    """The zone of ``country`` (ISO code) when the whole country keeps one time now (Germany,
    Poland, Japan), None where it keeps several (the US, Spain with the Canaries) or is unknown."""
    zones = _country_zones().get((country or "").upper(), ())
    if not zones:
        return None
    now = datetime.now()
    # One time: every zone of the country has the same offset now and half a year on (summer time).
    offsets = {tuple(ZoneInfo(zone).utcoffset(moment) for moment in (now, now + timedelta(days=182))) for zone in zones}
    return zones[0] if len(offsets) == 1 else None


def page_zone(url: str, languages: list[str | None]) -> str | None:
    """The time zone a page's offset-less times are in: the country of its language's region
    ("de-AT", "de_CH"), else of its host's country-code domain, when that country keeps one time."""
    for language in languages:
        region = _LANGUAGE_REGION.match(language or "")
        if region:
            return country_zone(region.group(1))
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1].lower()
    return country_zone(_COUNTRY_OF_TLD.get(tld, tld)) if len(tld) == 2 else None
