"""How ready a candidate is for a target role, read from their recent interviews in it.

The figure is the mean official overall (a mentor's score where they reviewed, the AI's
otherwise: ``aimi.tenants.official``) of the candidate's latest ``RECENT`` scored interviews
for the role; its trend is that figure against the one the ``RECENT`` interviews before
them gave. It says what it is made of (which interviews, how many a mentor reviewed, the
mean per dimension) so a mentor can check it and a candidate knows what moves it.

Pure rules: they read ``progress.Scored`` rows and dates, never the database, so every
page, export and test computes the same figure the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import mean

from aimi.tenants.progress import Scored

RECENT = 3  # interviews of a role the figure is made of
READY = 70.0  # a figure at or above this reads "ready"
NEARLY = 55.0  # at or above this (and below READY) reads "nearly ready"
IMPROVING = 5.0  # a trend of this many points or more reads "improving"
BANDS = {"ready": "Ready", "nearly": "Nearly ready", "not_yet": "Not ready yet"}


@dataclass(frozen=True)
class Readiness:
    """One role's figure; ``made_of`` are its interviews, newest first."""

    role: str
    figure: float
    trend: float | None  # None until there are interviews before the recent ones
    made_of: tuple[Scored, ...]
    dimensions: dict[str, float]
    interviews: int  # every scored interview of the role, not only the recent ones

    @property
    def band(self) -> str:
        return "ready" if self.figure >= READY else ("nearly" if self.figure >= NEARLY else "not_yet")

    @property
    def band_label(self) -> str:
        return BANDS[self.band]

    @property
    def reviewed(self) -> int:
        """How many of its interviews carry a mentor's review."""
        return sum(1 for s in self.made_of if s.source == "mentor")

    @property
    def improving(self) -> bool:
        return self.trend is not None and self.trend >= IMPROVING

    @property
    def weakest(self) -> tuple[str, float] | None:
        if not self.dimensions:
            return None
        name = min(self.dimensions, key=lambda n: (self.dimensions[n], n))
        return name, self.dimensions[name]

    @property
    def latest_at(self) -> datetime:
        return self.made_of[0].started_at


def for_role(scored: Sequence[Scored], role: str) -> Readiness | None:
    """The figure for ``role`` from ``scored`` (oldest first), or None with no scored
    interview of the role (an interview without an overall does not count)."""
    mine = [s for s in scored if s.role == role and s.overall is not None]
    if not mine:
        return None
    recent, before = mine[-RECENT:], mine[-2 * RECENT:-RECENT]
    figure = _mean([s.overall for s in recent])
    trend = round(figure - _mean([s.overall for s in before]), 1) if before else None
    names = sorted({n for s in recent for n in s.dimensions})
    dimensions = {n: _mean([s.dimensions[n] for s in recent if n in s.dimensions]) for n in names}
    return Readiness(role, figure, trend, tuple(reversed(recent)), dimensions, len(mine))


def by_role(scored: Sequence[Scored]) -> list[Readiness]:
    """A figure for every role the candidate practised, the most recently practised first."""
    latest: dict[str, datetime] = {}
    for s in scored:
        if s.overall is not None:
            latest[s.role] = max(latest.get(s.role, s.started_at), s.started_at)
    found = [for_role(scored, role) for role in sorted(latest, key=lambda r: latest[r], reverse=True)]
    return [r for r in found if r is not None]


def target(scored: Sequence[Scored]) -> Readiness | None:
    """The figure for the role the candidate practises now (their latest scored interview's)."""
    found = by_role(scored)
    return found[0] if found else None


def idle_days(last_practised: datetime | None, now: datetime) -> int | None:
    """Whole days since the candidate last started an interview (None: never)."""
    return None if last_practised is None else max(0, (now - last_practised).days)


def _mean(values: Sequence[float | None]) -> float:
    return round(mean(v for v in values if v is not None), 1)
