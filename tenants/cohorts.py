"""Cohorts: groups of candidates with their mentors. The rules and queries both the
admin pages and the API use (one place for: names are unique whatever their case, a
mentor sees only the cohorts they mentor, members must hold the group's role)."""

from __future__ import annotations

from sqlalchemy import Select, Table, func, or_, select
from sqlalchemy.orm import Session, lazyload

from aimi.tenants.models import Cohort, Role, User, cohort_candidates, cohort_mentors

# A cohort's member groups (relationship on Cohort) and the role their users must hold.
GROUP_ROLES = {"candidates": "candidate", "mentors": "mentor"}


def name_taken(session: Session, name: str, except_id: int | None = None) -> bool:
    """Whether another cohort of the college already has this name, whatever its case."""
    taken = select(Cohort.id).where(func.lower(Cohort.name) == name.lower())
    if except_id is not None:
        taken = taken.where(Cohort.id != except_id)
    return session.scalar(taken) is not None


def visible_to(user: User) -> Select:
    """Every cohort for an admin; for anyone else, the ones they mentor (oldest first)."""
    stmt = select(Cohort).order_by(Cohort.id)
    if "admin" not in user.role_names:
        stmt = stmt.where(Cohort.mentors.any(User.id == user.id))
    return stmt


def visible_one(session: Session, user: User, cohort_id: int) -> Cohort | None:
    """The cohort if ``user`` may see it, else None (as if it did not exist)."""
    return session.scalar(visible_to(user).where(Cohort.id == cohort_id))


def by_name(session: Session) -> list[Cohort]:
    """Every cohort of the college, by name."""
    return list(session.scalars(select(Cohort).order_by(Cohort.name)))


def of_member(session: Session, user: User) -> list[Cohort]:
    """The cohorts ``user`` is a candidate or mentor in, by name."""
    member_of = or_(Cohort.candidates.any(User.id == user.id), Cohort.mentors.any(User.id == user.id))
    return list(session.scalars(select(Cohort).where(member_of).order_by(Cohort.name)))


def members(session: Session, group: str, ids: list[int]) -> tuple[list[User], list[int]]:
    """The users of ``ids`` who may join ``group`` (in id order), and the ids that may not
    (no such user here, or without the group's role)."""
    role = GROUP_ROLES[group]
    wanted = sorted(set(ids))
    found = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
    bad = [i for i in wanted if i not in found or role not in found[i].role_names]
    return [found[i] for i in wanted if i not in bad], bad


def candidates_for(session: Session, group: str, current: list[User]) -> list[User]:
    """Who can be picked for a group: everyone with its role, plus current members who
    lost it (so saving a form does not silently drop them)."""
    users = list(session.scalars(select(User).where(User.roles.any(Role.name == GROUP_ROLES[group]))
                                 .order_by(User.full_name, User.email)))
    return users + [u for u in current if u not in users]


def _member_count(table: Table):
    return (select(func.count()).select_from(table).where(table.c.cohort_id == Cohort.id)
            .correlate(Cohort).scalar_subquery())


def listing(search: str = "") -> Select:
    """Rows of (cohort, candidates, mentors) by name, matching ``search`` in the name or
    batch when given."""
    stmt = (select(Cohort, _member_count(cohort_candidates).label("candidates"),
                   _member_count(cohort_mentors).label("mentors"))
            .options(lazyload(Cohort.candidates), lazyload(Cohort.mentors)).order_by(Cohort.name))
    if search:
        needle = search.lower()
        stmt = stmt.where(or_(func.lower(Cohort.name).contains(needle, autoescape=True),
                              func.lower(Cohort.batch).contains(needle, autoescape=True)))
    return stmt
