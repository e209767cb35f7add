"""A candidate's progress, read from their scored interviews: the history, scores per
dimension over time, two sessions side by side, badges, the weakest dimension with a
practice set aimed at it, and a mentor's view of their cohorts. Badges are computed, never
stored, so they cannot drift from the interviews they describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import mean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.platform.timeutil import to_local
from aimi.tenants import official
from aimi.tenants.interview_models import Interview
from aimi.tenants.models import Cohort, cohort_mentors

RECENT_FOR_WEAKEST = 5  # the weakest dimension is judged on this many latest interviews
PRACTICE_QUESTIONS = 3
IMPROVEMENT_POINTS = 15.0
STREAK_DAYS = 3
# The interview type and question kind that exercise each dimension best.
PRACTICE_FOR = {
    "content": ("technical", "technical"),
    "structure": ("hr", "behavioural"),
    "language": ("hr", "HR"),
    "delivery": ("hr", "HR"),
    "tone": ("hr", "HR"),
}


@dataclass(frozen=True)
class Scored:
    """One scored interview as the dashboard reads it."""

    id: int
    started_at: datetime
    role: str
    type: str
    overall: float | None
    dimensions: dict[str, float]
    source: str = "ai"  # a key of aimi.tenants.official.SOURCES
    ai_overall: float | None = None


@dataclass(frozen=True)
class Badge:
    key: str
    title: str
    description: str
    earned: bool


@dataclass(frozen=True)
class Recommendation:
    dimension: str
    score: float
    type: str
    kind: str
    role: str | None
    count: int = PRACTICE_QUESTIONS

    @property
    def text(self) -> str:
        return (f"Your weakest area is {self.dimension} ({self.score:.0f}/100): "
                f"try {self.count} {self.kind} questions.")


@dataclass
class CohortCandidate:
    id: int
    name: str
    email: str
    interviews: int = 0
    latest_overall: float | None = None
    latest_id: int | None = None


@dataclass
class MentorCohort:
    id: int
    name: str
    batch: str
    candidates: list[CohortCandidate] = field(default_factory=list)


def history(session: Session, candidate_id: int) -> list[Scored]:
    """The candidate's scored interviews, oldest first, with their official scores."""
    return histories(session, [candidate_id]).get(candidate_id, [])


def histories(session: Session, candidate_ids: Sequence[int]) -> dict[int, list[Scored]]:
    """Each candidate's scored interviews, oldest first, with their official scores (a
    fixed number of queries whatever the number of candidates); no entry for none."""
    if not candidate_ids:
        return {}
    rows = list(session.execute(
        select(Interview.id, Interview.candidate_id, Interview.started_at, Interview.role, Interview.type)
        .where(Interview.candidate_id.in_(list(candidate_ids)), Interview.status == "scored")
        .order_by(Interview.started_at, Interview.id)))
    scores = official.interview_scores(session, [r.id for r in rows])
    found: dict[int, list[Scored]] = {}
    for r in rows:
        found.setdefault(r.candidate_id, []).append(scored_of(r, scores[r.id]))
    return found


def scored_of(interview: Any, score: official.Score) -> Scored:
    """An interview (anything with its id, started_at, role and type) with its official score."""
    return Scored(interview.id, interview.started_at, interview.role, interview.type, score.overall,
                  score.dimensions, score.source, score.ai_overall)


def dimensions_of(scored: Sequence[Scored]) -> list[str]:
    return sorted({name for s in scored for name in s.dimensions})


def compare(first: Scored, second: Scored) -> list[dict[str, Any]]:
    """Per dimension (and overall), both scores and the change from the first to the second."""
    rows = [{"dimension": "overall", "first": first.overall, "second": second.overall}]
    rows += [{"dimension": name, "first": first.dimensions.get(name), "second": second.dimensions.get(name)}
             for name in dimensions_of([first, second])]
    for row in rows:
        both = row["first"] is not None and row["second"] is not None
        row["delta"] = round(row["second"] - row["first"], 1) if both else None
    return rows


def badges(scored: Sequence[Scored], tz: str = "UTC") -> list[Badge]:
    """Every badge, earned or still to earn, so the locked ones say how to get them."""
    overalls = [s.overall for s in scored if s.overall is not None]
    days = sorted({to_local(s.started_at, tz).date() for s in scored})
    return [
        Badge("first", "First interview", "Complete your first scored interview.", len(scored) >= 1),
        Badge("five", "Five interviews", "Complete five scored interviews.", len(scored) >= 5),
        Badge("eighty", "First 80+", "Score 80 or more overall in an interview.",
              any(o >= 80 for o in overalls)),
        Badge("streak", f"{STREAK_DAYS}-day streak", f"Practise on {STREAK_DAYS} days in a row.",
              _longest_streak(days) >= STREAK_DAYS),
        Badge("improver", "Big improvement",
              f"Raise a dimension by {IMPROVEMENT_POINTS:.0f} points or more over an earlier interview "
              f"of the same role and type.",
              _best_improvement(scored) >= IMPROVEMENT_POINTS),
    ]


def _longest_streak(days: Sequence[date]) -> int:
    longest = run = 0
    for i, day in enumerate(days):
        run = run + 1 if i and day - days[i - 1] == timedelta(days=1) else 1
        longest = max(longest, run)
    return longest


def _best_improvement(scored: Sequence[Scored]) -> float:
    """The largest rise of any dimension over its lowest earlier score in an interview of
    the same role and type: an easier kind of interview is not progress."""
    lowest: dict[tuple[str, str, str], float] = {}
    best = 0.0
    for s in scored:
        for name, score in s.dimensions.items():
            key = (s.role, s.type, name)
            if key in lowest:
                best = max(best, score - lowest[key])
            lowest[key] = min(lowest.get(key, score), score)
    return best


def weakest(scored: Sequence[Scored]) -> tuple[str, float] | None:
    """The dimension with the lowest mean over the latest interviews (ties: by name)."""
    recent = scored[-RECENT_FOR_WEAKEST:]
    means = {name: mean(s.dimensions[name] for s in recent if name in s.dimensions)
             for name in dimensions_of(recent)}
    if not means:
        return None
    name = min(means, key=lambda n: (means[n], n))
    return name, means[name]


def recommend(scored: Sequence[Scored]) -> Recommendation | None:
    """A short practice set for the weakest dimension, in the role the candidate practises."""
    weak = weakest(scored)
    if weak is None:
        return None
    name, score = weak
    interview_type, kind = PRACTICE_FOR.get(name, ("mixed", "mixed"))
    roles = [s.role for s in reversed(scored)]
    if interview_type != "hr":  # technical questions belong to a job role, not to "general"
        roles = [r for r in roles if r != "general"]
    return Recommendation(name, score, interview_type, kind, roles[0] if roles else None)


def mentor_cohorts(session: Session, mentor_id: int) -> list[MentorCohort]:
    """The mentor's cohorts, each candidate with their number of scored interviews and the
    latest official overall (a fixed number of queries whatever the number of cohorts)."""
    cohorts = list(session.scalars(
        select(Cohort).join(cohort_mentors, cohort_mentors.c.cohort_id == Cohort.id)
        .where(cohort_mentors.c.user_id == mentor_id).order_by(Cohort.name)))
    result = [MentorCohort(c.id, c.name, c.batch, [CohortCandidate(u.id, u.display_name, u.email)
                                                   for u in sorted(c.candidates, key=lambda u: u.email)])
              for c in cohorts]
    by_id: dict[int, list[CohortCandidate]] = {}
    for cohort in result:
        for candidate in cohort.candidates:
            by_id.setdefault(candidate.id, []).append(candidate)
    if by_id:
        rows = list(session.execute(
            select(Interview.id, Interview.candidate_id)
            .where(Interview.candidate_id.in_(by_id), Interview.status == "scored")
            .order_by(Interview.started_at, Interview.id)))
        scores = official.interview_scores(session, [row.id for row in rows])
        for row in rows:
            for candidate in by_id[row.candidate_id]:
                candidate.interviews += 1
                candidate.latest_overall, candidate.latest_id = scores[row.id].overall, row.id
    return result
