"""Which clock each person reads: the time zone they chose, else their college's.

The zones offered are the IANA ones named after a place (``Asia/Kolkata``,
``Europe/London``) and ``UTC``: not the legacy aliases (``US/Pacific``, ``Etc/GMT+4``,
whose sign is the reverse of what it reads) nor the system's ``localtime``.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from aimi.tenants.models import User

REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
           "Pacific")
ZONES = ("UTC", *sorted(zone for zone in available_timezones() if zone.split("/", 1)[0] in REGIONS
                        and "/" in zone))


class TimeZoneError(ValueError):
    """A time zone that is not in the list."""


def zone_of(user: User | None, college_zone: str) -> str:
    """The zone ``user`` reads times in: their own, else the college's."""
    return (user.timezone if user is not None else None) or college_zone


def choose(user: User, name: str) -> None:
    """Set the user's zone; an empty choice goes back to the college's."""
    name = name.strip()
    if name and name not in ZONES:
        raise TimeZoneError(f"{name!r} is not a time zone in the list; choose one such as Asia/Kolkata "
                            f"or Europe/London, or the college's time zone.")
    user.timezone = name or None
