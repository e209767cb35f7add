"""A cohort's readiness, for its mentors and the college's admins: who has not practised
in N days, who is below a threshold, who is improving (the figures come from
``aimi.tenants.readiness``). Mentors read only the cohorts they mentor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aimi.tenants import cohorts, progress, readiness
from aimi.tenants.interview_models import Interview
from aimi.tenants.models import Cohort, User

DEFAULT_DAYS = 7
DEFAULT_BELOW = 60
MAX_DAYS = 365


class FilterError(ValueError):
    """A filter out of range; ``field`` names it, the message says what to give."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Row:
    candidate: User
    last_practised: datetime | None
    idle_days: int | None  # None: never practised
    readiness: readiness.Readiness | None  # for the role they practise now


@dataclass(frozen=True)
class View:
    cohort: Cohort
    days: int
    below: int
    rows: list[Row]

    @property
    def inactive(self) -> list[Row]:
        """Not practised in the last ``days`` days (or never), the longest idle first."""
        idle = [r for r in self.rows if r.idle_days is None or r.idle_days >= self.days]
        return sorted(idle, key=lambda r: (r.idle_days is not None, -(r.idle_days or 0), r.candidate.email))

    @property
    def below_threshold(self) -> list[Row]:
        """Readiness under ``below``, the lowest first."""
        low = [r for r in self.rows if r.readiness is not None and r.readiness.figure < self.below]
        return sorted(low, key=lambda r: (r.readiness.figure if r.readiness else 0, r.candidate.email))

    @property
    def improving(self) -> list[Row]:
        """Readiness rising by ``readiness.IMPROVING`` points or more, the steepest first."""
        up = [r for r in self.rows if r.readiness is not None and r.readiness.improving]
        return sorted(up, key=lambda r: (-(r.readiness.trend or 0) if r.readiness else 0, r.candidate.email))


def parse_filters(days: str | None, below: str | None) -> tuple[int, int]:
    """The page's N days and threshold from the query string (defaults when absent), or
    ``FilterError`` saying what to give instead."""
    found = []
    for raw, default, low, high, field, what in (
            (days, DEFAULT_DAYS, 1, MAX_DAYS, "days", "a number of days"),
            (below, DEFAULT_BELOW, 0, 100, "below", "a score")):
        text = (raw or "").strip()
        if not text:
            found.append(default)
            continue
        if not text.isdigit() or not low <= int(text) <= high:
            raise FilterError(f"Give {what} from {low} to {high} (a whole number); {text!r} is not.", field)
        found.append(int(text))
    return found[0], found[1]


def cohort_view(session: Session, viewer: User, cohort_id: int, *, days: int, below: int,
                now: datetime) -> View | None:
    """The cohort's candidates with their readiness and last practice, or None when the
    viewer may not see this cohort (a fixed number of queries whatever its size)."""
    cohort = cohorts.visible_one(session, viewer, cohort_id)
    if cohort is None:
        return None
    people = sorted(cohort.candidates, key=lambda u: (u.display_name.lower(), u.email))
    ids = [u.id for u in people]
    last: dict[int, datetime] = dict(session.execute(
        select(Interview.candidate_id, func.max(Interview.started_at))
        .where(Interview.candidate_id.in_(ids)).group_by(Interview.candidate_id)).all()) if ids else {}
    scored = progress.histories(session, ids)
    rows = [Row(u, last.get(u.id), readiness.idle_days(last.get(u.id), now),
                readiness.target(scored.get(u.id, []))) for u in people]
    return View(cohort, days, below, rows)
