"""Interview templates and their assignment to cohorts.

Mentors and admins share a college's templates; a published template can be assigned to
a cohort with a due date and an attempt limit. Mentors assign only to the cohorts they
mentor, admins to any. Candidates read their assignments through ``assignments_for`` and
the interview flow asks ``can_attempt`` before starting one. Functions here stage changes
in the caller's session; the caller audits and commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, joinedload, lazyload, object_session

from aimi.platform.timeutil import utcnow
from aimi.tenants.interview_models import ROLES, Assignment, Interview, InterviewTemplate
from aimi.tenants.models import Cohort, User, cohort_candidates, cohort_mentors

TEMPLATE_DIFFICULTIES = ("easy", "medium", "hard", "adaptive")
TEMPLATE_FIELDS = ("name", "role", "type", "difficulty", "num_questions", "duration_minutes")
MAX_QUESTIONS = 15
MAX_DURATION_MINUTES = 180
MAX_ATTEMPTS = 10
DONE_STATUSES = ("submitted", "scored")


class AssignmentError(ValueError):
    """A change the rules refuse; the message says why, ``field`` names the input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotYourCohort(AssignmentError):
    """A mentor reaching for a cohort they do not mentor (a 403, not a form error)."""


def is_admin(user: User) -> bool:
    return "admin" in user.role_names


# -- Templates -----------------------------------------------------------------------------


def template_values(template: InterviewTemplate) -> dict:
    """The editable fields of a template, as the audit log and the edit form read them."""
    return {name: getattr(template, name) for name in TEMPLATE_FIELDS}


def update_template(template: InterviewTemplate, values: dict) -> dict:
    """Copy validated values onto a template; returns ``{field: [old, new]}`` of what changed."""
    changed = {}
    for name in TEMPLATE_FIELDS:
        old, new = getattr(template, name), values.get(name)
        if old != new:
            changed[name] = [old, new]
            setattr(template, name, new)
    return changed


def templates() -> Select:
    """Every interview template of the college, by name."""
    return select(InterviewTemplate).order_by(InterviewTemplate.name, InterviewTemplate.id)


def published_templates(session: Session) -> list[InterviewTemplate]:
    """The templates that may be assigned, by name."""
    return list(session.scalars(templates().where(InterviewTemplate.published.is_(True))))


# -- Cohorts a user may assign to ----------------------------------------------------------


# Loading options for a cohort whose members are read only if needed (a cohort may have
# thousands of candidates, each with their roles).
WITHOUT_MEMBERS = (lazyload(Cohort.candidates), lazyload(Cohort.mentors))


def managed_cohorts(session: Session, user: User) -> list[Cohort]:
    """Admins manage every cohort, mentors the cohorts they mentor. Their members are
    loaded only when read: a form listing cohorts must not load 5,000 candidates."""
    stmt = select(Cohort).options(*WITHOUT_MEMBERS).order_by(Cohort.name)
    if not is_admin(user):
        stmt = stmt.join(cohort_mentors, cohort_mentors.c.cohort_id == Cohort.id).where(
            cohort_mentors.c.user_id == user.id)
    return list(session.scalars(stmt))


def managed_assignments(user: User) -> Select:
    """The assignments the user may see and delete, newest first."""
    stmt = select(Assignment).options(joinedload(Assignment.template)).order_by(
        Assignment.created_at.desc(), Assignment.id.desc())
    if not is_admin(user):
        mentored = select(cohort_mentors.c.cohort_id).where(cohort_mentors.c.user_id == user.id)
        stmt = stmt.where(Assignment.cohort_id.in_(mentored))
    return stmt


def managed_assignment(session: Session, user: User, assignment_id: int) -> Assignment | None:
    """The assignment if ``user`` may see and delete it, else None."""
    return session.scalar(managed_assignments(user).where(Assignment.id == assignment_id))


def assign(session: Session, user: User, template: InterviewTemplate, cohort: Cohort, *,
           due_at: datetime, attempt_limit: int, now: datetime | None = None) -> Assignment:
    """Stage an assignment after checking the rules the form cannot know."""
    if cohort not in managed_cohorts(session, user):
        raise NotYourCohort("You can assign interviews only to cohorts you mentor.", "cohort_id")
    if not template.published:
        raise AssignmentError("Publish the template before assigning it.", "template_id")
    if due_at <= (now or utcnow()):
        raise AssignmentError("Choose a due date in the future.", "due_at")
    if not 1 <= attempt_limit <= MAX_ATTEMPTS:
        raise AssignmentError(f"Allow between 1 and {MAX_ATTEMPTS} attempts.", "attempt_limit")
    assignment = Assignment(template_id=template.id, template=template, cohort_id=cohort.id,
                            due_at=due_at, attempt_limit=attempt_limit, created_by=user.id)
    session.add(assignment)
    return assignment


def delete_assignment(session: Session, assignment: Assignment) -> None:
    """Delete an assignment; interviews taken for it stay, no longer linked (the schema's
    ON DELETE SET NULL, done explicitly so every backend behaves alike)."""
    session.execute(update(Interview).where(Interview.assignment_id == assignment.id)
                    .values(assignment_id=None))
    session.delete(assignment)


@dataclass(frozen=True)
class Completion:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def completion(session: Session, assignments: list[Assignment]) -> dict[int, Completion]:
    """Per assignment: how many of its cohort's current candidates have a submitted or
    scored interview for it (two queries whatever the number of assignments)."""
    if not assignments:
        return {}
    cohort_ids = {a.cohort_id for a in assignments}
    sizes: dict[int, int] = dict(session.execute(
        select(cohort_candidates.c.cohort_id, func.count())
        .where(cohort_candidates.c.cohort_id.in_(cohort_ids)).group_by(cohort_candidates.c.cohort_id)).all())
    done = dict(session.execute(
        select(Assignment.id, func.count(func.distinct(Interview.candidate_id)))
        .join(Interview, Interview.assignment_id == Assignment.id)
        .join(cohort_candidates, (cohort_candidates.c.cohort_id == Assignment.cohort_id)
              & (cohort_candidates.c.user_id == Interview.candidate_id))
        .where(Assignment.id.in_([a.id for a in assignments]), Interview.status.in_(DONE_STATUSES))
        .group_by(Assignment.id)).all())
    return {a.id: Completion(done.get(a.id, 0), sizes.get(a.cohort_id, 0)) for a in assignments}


# -- The candidate's side ------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentView:
    """One assignment as a candidate sees it (dashboard, practice page)."""

    id: int
    template_id: int
    name: str
    role: str
    role_label: str
    type: str
    difficulty: str
    num_questions: int
    duration_minutes: int | None
    cohort_name: str
    due_at: datetime | None
    attempt_limit: int
    attempts_used: int
    completed: bool  # a submitted or scored attempt exists
    in_progress_id: int | None  # the interview to resume, if one is under way
    can_attempt: bool
    reason: str  # why not, when ``can_attempt`` is false

    @property
    def attempts_left(self) -> int:
        return max(self.attempt_limit - self.attempts_used, 0)


def _attempts(session: Session, candidate: User, assignment_ids: list[int]) -> dict[int, list[Interview]]:
    found: dict[int, list[Interview]] = {i: [] for i in assignment_ids}
    if assignment_ids:
        for interview in session.scalars(
                select(Interview).where(Interview.candidate_id == candidate.id,
                                        Interview.assignment_id.in_(assignment_ids)).order_by(Interview.id)):
            assert interview.assignment_id is not None  # the query asked for these ids
            found[interview.assignment_id].append(interview)
    return found


def _verdict(assignment: Assignment, attempts: list[Interview], member: bool,
             now: datetime) -> tuple[bool, str]:
    if not member:
        return False, "This assignment is for another cohort."
    if any(i.status == "in_progress" for i in attempts):
        return False, "You have an attempt under way: resume it instead of starting another."
    if assignment.due_at is not None and assignment.due_at < now:
        return False, "The due date has passed."
    if len(attempts) >= assignment.attempt_limit:
        plural = "attempt" if assignment.attempt_limit == 1 else "attempts"
        return False, f"You have used your {assignment.attempt_limit} {plural}."
    return True, ""


def _session(candidate: User, session: Session | None) -> Session:
    found = session or object_session(candidate)
    if found is None:
        raise ValueError("the candidate is not attached to a session; pass session=")
    return found


def can_attempt(candidate: User, assignment: Assignment, session: Session | None = None,
                now: datetime | None = None) -> tuple[bool, str]:
    """Whether the candidate may start an interview for the assignment now, and if not,
    a sentence saying why (another cohort's, one under way, past due, attempts used)."""
    session = _session(candidate, session)
    member = session.scalar(select(cohort_candidates.c.user_id).where(
        cohort_candidates.c.cohort_id == assignment.cohort_id,
        cohort_candidates.c.user_id == candidate.id)) is not None
    attempts = _attempts(session, candidate, [assignment.id])[assignment.id]
    return _verdict(assignment, attempts, member, now or utcnow())


def assignments_for(candidate: User, session: Session | None = None,
                    now: datetime | None = None) -> list[AssignmentView]:
    """Every assignment of the candidate's cohorts, soonest due first, with the attempts
    used and whether another may start."""
    session = _session(candidate, session)
    now = now or utcnow()
    rows = session.execute(
        select(Assignment, Cohort.name)
        .join(Cohort, Cohort.id == Assignment.cohort_id)
        .join(cohort_candidates, cohort_candidates.c.cohort_id == Assignment.cohort_id)
        .where(cohort_candidates.c.user_id == candidate.id)
        .options(joinedload(Assignment.template))
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)).all()
    attempts = _attempts(session, candidate, [a.id for a, _ in rows])
    views = []
    for assignment, cohort_name in rows:
        template, tried = assignment.template, attempts[assignment.id]
        allowed, reason = _verdict(assignment, tried, True, now)
        views.append(AssignmentView(
            id=assignment.id, template_id=template.id, name=template.name, role=template.role,
            role_label=ROLES.get(template.role, template.role), type=template.type,
            difficulty=template.difficulty, num_questions=template.num_questions,
            duration_minutes=template.duration_minutes, cohort_name=cohort_name, due_at=assignment.due_at,
            attempt_limit=assignment.attempt_limit, attempts_used=len(tried),
            completed=any(i.status in DONE_STATUSES for i in tried),
            in_progress_id=next((i.id for i in tried if i.status == "in_progress"), None),
            can_attempt=allowed, reason=reason))
    return views
