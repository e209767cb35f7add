"""Candidates in no cohort: those who registered themselves (or were invited without a
cohort). Mentors see only their cohorts' candidates, so without this list such a candidate
practises unseen; admins and mentors find them here and place them in a cohort."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from aimi.tenants import audit
from aimi.tenants.assignments import NotYourCohort, managed_cohorts
from aimi.tenants.models import Cohort, Role, User, cohort_candidates, roles_users


class NotUnassigned(LookupError):
    """No active candidate in no cohort has this id (in this college)."""


def candidates() -> Select:
    """Active, confirmed candidates in no cohort, newest first."""
    is_candidate = (select(roles_users.c.user_id).join(Role, Role.id == roles_users.c.role_id)
                    .where(Role.name == "candidate"))
    in_a_cohort = select(cohort_candidates.c.user_id)
    return (select(User).where(User.id.in_(is_candidate), User.id.not_in(in_a_cohort),
                               User.active.is_(True), User.confirmed_at.is_not(None))
            .order_by(User.created_at.desc(), User.id.desc()))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(candidates().subquery())) or 0


def in_a_cohort(session: Session, user: User) -> bool:
    return session.scalar(select(cohort_candidates.c.cohort_id)
                          .where(cohort_candidates.c.user_id == user.id).limit(1)) is not None


def place(session: Session, actor: User, candidate_id: int, cohort_id: int, *,
          ip: str | None = None) -> Cohort:
    """Put an unassigned candidate in one of the cohorts ``actor`` manages (admins: any;
    mentors: their own), audited. Raises NotUnassigned or NotYourCohort, changing nothing."""
    candidate = session.scalar(candidates().where(User.id == candidate_id))
    if candidate is None:
        raise NotUnassigned(candidate_id)
    cohort = next((c for c in managed_cohorts(session, actor) if c.id == cohort_id), None)
    if cohort is None:
        raise NotYourCohort("Choose one of the cohorts you manage.", "cohort_id")
    cohort.candidates.append(candidate)
    audit.record(session, "cohort.candidate_added", actor=actor, target_type="cohort", target_id=cohort.id,
                 details={"candidate_id": candidate.id, "email": candidate.email, "from": "unassigned"},
                 ip=ip)
    return cohort
