"""Cohort analytics for tenant admins and the placement cell's results table.

Every figure costs a fixed number of queries whatever the cohort's size: counts are
grouped in SQL; scores live in JSON reports, so those rows are read once and averaged in
one pass.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from aimi.platform.timeutil import utcnow
from aimi.tenants import official
from aimi.tenants.assignments import Completion, completion
from aimi.tenants.interview_models import Assignment, Interview, InterviewAnswer, QuestionVersion
from aimi.tenants.interviews import HR_TYPES, content_evidence, missed_points
from aimi.tenants.models import Cohort, Role, User, cohort_candidates, roles_users

WEAK_POINTS = 10


@dataclass
class CandidateResult:
    """One candidate's scored interviews, summed up."""

    id: int
    name: str
    email: str
    roll_number: str | None = None
    cohorts: list[str] = field(default_factory=list)
    interviews: int = 0
    mean_overall: float | None = None  # official: mentors' reviews where there are some
    dimensions: dict[str, float] = field(default_factory=dict)
    last_interview: datetime | None = None
    ai_mean_overall: float | None = None
    reviewed_answers: int = 0
    # Over the interviews a mentor reviewed only: the mentors' official mean and the AI's.
    reviewed_interviews: int = 0
    mentor_mean_overall: float | None = None
    ai_mean_of_reviewed: float | None = None


def members(cohort_id: int) -> Select:
    """The ids of a cohort's candidates, as a subquery to filter on."""
    return select(cohort_candidates.c.user_id).where(cohort_candidates.c.cohort_id == cohort_id)


def candidates(cohort_id: int | None) -> Select:
    """A cohort's candidates, or every user with the candidate role."""
    if cohort_id is not None:
        return members(cohort_id)
    return (select(roles_users.c.user_id).join(Role, Role.id == roles_users.c.role_id)
            .where(Role.name == "candidate"))


def candidate_results(session: Session, cohort_id: int | None = None) -> list[CandidateResult]:
    """Per candidate (of the cohort, or all): cohorts, number of scored interviews, mean
    official overall (and the AI's), mean per dimension, answers a mentor reviewed and the
    date of the last interview (a fixed number of queries)."""
    ids = candidates(cohort_id)
    people = session.execute(select(User.id, User.full_name, User.email, User.roll_number)
                             .where(User.id.in_(ids)).order_by(User.email))
    results = {r.id: CandidateResult(r.id, r.full_name or r.email, r.email, r.roll_number) for r in people}
    for user_id, name in session.execute(
            select(cohort_candidates.c.user_id, Cohort.name)
            .join(Cohort, Cohort.id == cohort_candidates.c.cohort_id)
            .where(cohort_candidates.c.user_id.in_(ids)).order_by(Cohort.name)):
        results[user_id].cohorts.append(name)
    rows = list(session.execute(
        select(Interview.id, Interview.candidate_id, Interview.started_at)
        .where(Interview.candidate_id.in_(ids), Interview.status == "scored")))
    scores = official.interview_scores(session, [row.id for row in rows])
    overalls: dict[int, list[float]] = {}
    ai_overalls: dict[int, list[float]] = {}
    reviewed: dict[int, list[tuple[float, float]]] = {}  # (mentors' official, AI) per reviewed interview
    dimensions: dict[int, dict[str, list[float]]] = {}
    for row in rows:
        result, score = results[row.candidate_id], scores[row.id]
        result.interviews += 1
        result.reviewed_answers += score.reviewed
        result.last_interview = max(filter(None, (result.last_interview, row.started_at)))
        if score.overall is not None:
            overalls.setdefault(row.candidate_id, []).append(score.overall)
        if score.ai_overall is not None:
            ai_overalls.setdefault(row.candidate_id, []).append(score.ai_overall)
        if score.source == "mentor" and score.overall is not None and score.ai_overall is not None:
            reviewed.setdefault(row.candidate_id, []).append((score.overall, score.ai_overall))
        for name, value in score.dimensions.items():
            dimensions.setdefault(row.candidate_id, {}).setdefault(name, []).append(value)
    for user_id, result in results.items():
        result.mean_overall = _mean(overalls.get(user_id))
        result.ai_mean_overall = _mean(ai_overalls.get(user_id))
        pairs = reviewed.get(user_id, [])
        result.reviewed_interviews = len(pairs)
        result.mentor_mean_overall = _mean([m for m, _ai in pairs])
        result.ai_mean_of_reviewed = _mean([ai for _m, ai in pairs])
        result.dimensions = {n: round(mean(v), 1) for n, v in sorted(dimensions.get(user_id, {}).items())}
    return list(results.values())


def _mean(values: list[float] | None) -> float | None:
    return round(mean(values), 1) if values else None


def dimensions_in(results: list[CandidateResult]) -> list[str]:
    return sorted({name for r in results for name in r.dimensions})


def results_table(results: list[CandidateResult]) -> tuple[list[str], list[list[Any]]]:
    """The export's header and rows: one row per candidate, blanks where nothing is scored;
    the official means first, the AI's mean overall beside them, then the interviews a mentor
    reviewed: the mentors' mean and the AI's mean of the same interviews."""
    names = dimensions_in(results)
    header = ["Name", "Roll number", "Email", "Cohorts", "Scored interviews", "Mean overall",
              *[f"Mean {n}" for n in names], "AI mean overall", "Mentor-reviewed answers",
              "Mentor-reviewed interviews", "Mentor mean overall (reviewed interviews)",
              "AI mean overall (same interviews)", "Last interview (UTC)"]
    rows = [[r.name, r.roll_number, r.email, "; ".join(r.cohorts), r.interviews, r.mean_overall,
             *[r.dimensions.get(n) for n in names], r.ai_mean_overall, r.reviewed_answers,
             r.reviewed_interviews, r.mentor_mean_overall, r.ai_mean_of_reviewed,
             r.last_interview.date().isoformat() if r.last_interview else None] for r in results]
    return header, rows


def assignment_completion(session: Session, cohort_id: int) -> list[tuple[Assignment, Completion]]:
    """Per assignment of the cohort (soonest due first): its candidates with a submitted or
    scored attempt, out of the cohort's size."""
    found = list(session.scalars(
        select(Assignment).where(Assignment.cohort_id == cohort_id).options(joinedload(Assignment.template))
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)))
    figures = completion(session, found)
    return [(a, figures[a.id]) for a in found]


def popular_roles(session: Session, cohort_id: int) -> list[tuple[str, int]]:
    """Interviews (any status) of the cohort's candidates by job role, most taken first."""
    count = func.count(Interview.id)
    return [(role, n) for role, n in session.execute(
        select(Interview.role, count).where(Interview.candidate_id.in_(members(cohort_id)))
        .group_by(Interview.role).order_by(count.desc(), Interview.role))]


def weak_points(session: Session, cohort_id: int, limit: int = WEAK_POINTS) -> list[tuple[str, int]]:
    """What the cohort's scored answers missed most often: rubric points of technical
    questions, criteria of HR and behavioural ones (never a model story's details)."""
    counts: Counter[str] = Counter()
    for report, kind in session.execute(
            select(InterviewAnswer.report, QuestionVersion.type)
            .join(QuestionVersion, QuestionVersion.id == InterviewAnswer.question_version_id)
            .join(Interview, Interview.id == InterviewAnswer.interview_id)
            .where(Interview.candidate_id.in_(members(cohort_id)), Interview.status == "scored")):
        counts.update(point for point in _weak_points_of(report, kind) if point)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _weak_points_of(report: dict[str, Any] | None, kind: str) -> list[str]:
    """An HR or behavioural answer counts only its missed criteria: reports scored before
    criteria existed list points of a model story, which say nothing about the cohort."""
    if kind in HR_TYPES and content_evidence(report).get("points_source") != "criteria":
        return []
    return missed_points(report)


def tenant_figures(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """The admin dashboard's figures: users by role, interviews this week, mean official overall."""
    now = now or utcnow()
    by_role = dict(session.execute(
        select(Role.name, func.count(roles_users.c.user_id))
        .join(roles_users, roles_users.c.role_id == Role.id)
        .group_by(Role.name)).all())
    week = session.scalar(select(func.count(Interview.id))
                          .where(Interview.started_at >= now - timedelta(days=7)))
    overalls = [s.overall for s in official.interview_scores(
        session, official.scored_interview_ids(session)).values() if s.overall is not None]
    overall = mean(overalls) if overalls else None
    return {"users_by_role": dict(sorted(by_role.items())), "interviews_this_week": week or 0,
            "mean_overall": round(float(overall), 1) if overall is not None else None}
