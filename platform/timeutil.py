"""Times are stored as naive UTC (what Flask-Security expects) and shown in the tenant's
time zone; these helpers are the one place that conversion happens."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def utcnow() -> datetime:
    """Naive UTC now, the form every DateTime column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


def to_local(value: datetime | None, tz_name: str) -> datetime | None:
    """Convert a stored (naive UTC) time to the given zone."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return aware.astimezone(ZoneInfo(tz_name))
    except ZoneInfoNotFoundError:
        return aware


def format_local(value: datetime | None, tz_name: str, fmt: str = "%d %b %Y, %H:%M %Z") -> str:
    local = to_local(value, tz_name)
    return local.strftime(fmt) if local else ""


def from_local(value: datetime, tz_name: str) -> datetime:
    """Convert a naive time typed in the given zone (a form's date and time) to stored
    naive UTC."""
    try:
        zone = ZoneInfo(tz_name)
    except ZoneInfoNotFoundError:
        zone = UTC
    return value.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def format_named(value: datetime | None, tz_name: str) -> str:
    """A time as its reader's clock shows it, the zone named so nobody guesses:
    "05 Dec 2026, 17:00 IST (Asia/Kolkata)"; a zone whose abbreviation is its name
    ("UTC") is named once."""
    local = to_local(value, tz_name)
    if local is None:
        return ""
    abbreviation = local.strftime("%Z")
    zone = abbreviation if abbreviation == tz_name else f"{abbreviation} ({tz_name})"
    return f"{local.strftime('%d %b %Y, %H:%M')} {zone}"
