"""One candidate's practice history as staff read it: every interview they took, newest
first, with its official score (the mentor's where reviewed) and the AI's beside it, and
their readiness per target role.

Admins read any candidate of their college, mentors only the candidates of their cohorts;
anyone else gets ``CandidateNotFound`` so ids do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.tenants import official, progress, readiness, reviews
from aimi.tenants.interview_models import Interview
from aimi.tenants.models import User


class CandidateNotFound(LookupError):
    """No such candidate, or not one this staff member may read."""


@dataclass(frozen=True)
class Entry:
    """One interview of the history; scores are None until it is scored."""

    id: int
    started_at: datetime
    role: str
    type: str
    status: str
    score: official.Score | None


@dataclass(frozen=True)
class History:
    candidate: User
    interviews: list[Entry]
    readiness: list[readiness.Readiness]

    @property
    def scored(self) -> int:
        return sum(1 for entry in self.interviews if entry.score is not None)

    @property
    def last_practised(self) -> datetime | None:
        return self.interviews[0].started_at if self.interviews else None


def candidate(session: Session, viewer: User, candidate_id: int) -> User:
    """The candidate ``viewer`` may read, or ``CandidateNotFound``."""
    found = session.get(User, candidate_id)
    if found is None or "candidate" not in found.role_names \
            or not reviews.may_see_candidate(session, viewer, candidate_id):
        raise CandidateNotFound(candidate_id)
    return found


def history(session: Session, viewer: User, candidate_id: int) -> History:
    """The candidate's interviews, newest first, with official scores for the scored ones."""
    person = candidate(session, viewer, candidate_id)
    rows = list(session.scalars(select(Interview).where(Interview.candidate_id == person.id)
                                .order_by(Interview.started_at.desc(), Interview.id.desc())))
    scores = official.interview_scores(session, [r.id for r in rows if r.status == "scored"])
    scored = [progress.scored_of(r, scores[r.id]) for r in reversed(rows) if r.id in scores]
    return History(person, [Entry(r.id, r.started_at, r.role, r.type, r.status, scores.get(r.id))
                            for r in rows], readiness.by_role(scored))
