"""Scored interviews written straight into a tenant's schema, for the dashboard and
analytics tests: answers carry reports shaped like ``Report.as_dict()`` and the interview's
own report is built by the real ``aimi.tenants.interviews.aggregate``."""

from __future__ import annotations

from datetime import datetime

from helpers import PASSWORD, tag
from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import accounts, interviews
from aimi.tenants.interview_models import (
    Assignment,
    Interview,
    InterviewAnswer,
    InterviewTemplate,
    Question,
    QuestionBank,
    QuestionVersion,
)
from aimi.tenants.models import ROLE_NAMES, Cohort, User

_HASHES: dict[int, str] = {}


def password_hash(world) -> str:
    """Hashing is slow on purpose; one hash per world serves every user made in tests."""
    if id(world) not in _HASHES:
        _HASHES[id(world)] = world.hasher()(PASSWORD)
    return _HASHES[id(world)]


def new_user(world, slug: str, label: str = "candidate", role: str | None = None,
             name: str | None = None) -> tuple[int, str]:
    """A confirmed user with the test password; the role defaults to the label when the
    label names a role, else candidate. Returns (id, e-mail)."""
    email = f"{label}-{tag()}@{slug}.example.com"
    role = role or (label if label in ROLE_NAMES else "candidate")
    with tenant_scope(world.tenants[slug]):
        user = accounts.create_user(tenant_session(), email=email, full_name=name or f"{label} {tag()}",
                                    roles=[role], password_hash=password_hash(world),
                                    confirmed=True)
        tenant_session.commit()
        return user.id, email


def new_cohort(world, slug: str, candidates: list[int], mentors: list[int] = (),
               name: str | None = None) -> int:
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        cohort = Cohort(name=name or f"Cohort {tag()}", batch="2025")
        cohort.candidates = list(session.scalars(select(User).where(User.id.in_(candidates))))
        cohort.mentors = list(session.scalars(select(User).where(User.id.in_(list(mentors)))))
        session.add(cohort)
        session.commit()
        return cohort.id


def new_assignment(world, slug: str, cohort_id: int, name: str, due_at: datetime | None,
                   attempt_limit: int = 2) -> int:
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        template = InterviewTemplate(name=name, role="software-engineer", type="technical", difficulty="easy",
                                     num_questions=1, published=True)
        assignment = Assignment(template=template, cohort_id=cohort_id, due_at=due_at,
                                attempt_limit=attempt_limit)
        session.add(assignment)
        session.commit()
        return assignment.id


def _question(session, kind: str) -> QuestionVersion:
    """A question of the interview's kind: an HR one for HR interviews, else a technical one."""
    bank = QuestionBank(name=f"Helper bank {tag()}")
    # Retired: a past interview's question, never drawn into another test's new interview.
    question = Question(bank=bank, current_version=1, retired_at=utcnow())
    text, role = ("Tell us about a project.", "general") if kind == "hr" else \
        ("Explain a design trade-off.", "software-engineer")
    version = QuestionVersion(question=question, version=1, text=text, role=role, type=kind,
                              difficulty="easy", reference_answers=[], rubric=[], keywords=[],
                              tags=["projects"])
    session.add_all([bank, question, version])
    session.flush()
    return version


def answer_report(dimensions: dict[str, float], missed: list[str] = (), covered: list[str] = ()) -> dict:
    """An answer's report as ``Report.as_dict()`` shapes it, with content evidence."""
    dims = {name: {"score": score, "evidence": {}, "suggestions": [f"Work on {name}."]}
            for name, score in dimensions.items()}
    if "content" in dims:
        dims["content"]["evidence"] = {
            "points_covered": [{"point": p, "score": 0.9, "covered": True, "span": [0, 4]} for p in covered],
            "points_missed": [{"point": p, "score": 0.1, "covered": False, "missing_words": []}
                              for p in missed],
        }
    return {"overall": round(sum(dimensions.values()) / len(dimensions), 1), "dimensions": dims,
            "summary": "Test report.", "strengths": [], "areas_to_improve": []}


def scored_interview(world, slug: str, candidate_id: int, when: datetime, answers: list[dict], *,
                     role: str = "software-engineer", type: str = "technical", status: str = "scored",
                     assignment_id: int | None = None) -> int:
    """An interview whose answers carry the given reports; scored ones get the real
    aggregate report and overall (the mean of the answers' overalls)."""
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        version = _question(session, "hr" if type == "hr" else "technical")
        interview = Interview(candidate_id=candidate_id, role=role, type=type, difficulty_mode="easy",
                              num_questions=len(answers), status=status, current_position=len(answers),
                              started_at=when, submitted_at=when, assignment_id=assignment_id)
        interview.answers = [
            InterviewAnswer(position=i, question_version_id=version.id, difficulty="easy", text="My answer.",
                            presented_at=when, submitted_at=when, report=report, overall=report["overall"])
            for i, report in enumerate(answers)]
        session.add(interview)
        session.flush()
        if status == "scored":
            interview.report = interviews.aggregate(interview.answers)
            interview.overall, interview.scored_at = interview.report["overall"], when
        session.commit()
        return interview.id
