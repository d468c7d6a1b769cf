"""Dates to ISO 8601 with offset; wrong ones (future, before the site existed) rejected."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

FUTURE_TOLERANCE = timedelta(days=1)  # clock skew and time zones, not more


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


def is_plausible(moment: datetime, founded: date, now: datetime | None = None) -> bool:
    now = now or datetime.now(timezone.utc)
    return founded <= moment.date() and moment <= now + FUTURE_TOLERANCE


def iso(moment: datetime) -> str:
    """ISO 8601 with an explicit offset, seconds precision ("+00:00", never "Z")."""
    return moment.replace(microsecond=0).isoformat()
