"""A realistic practice history for the demo tenant, so its dashboards, review queue and
analytics show the product on first login instead of empty states.

Each demo candidate takes interviews spread over the past weeks through the same calls a
real candidate's requests make (``interviews.start``, ``present``, ``submit_answer``) and
every answer is scored by the ``score_answer`` job, run here. The answers are written
from the questions' own reference answers at a quality that follows the candidate's
trajectory (more of the reference and fewer vague sentences as they improve), so the
scores differ between candidates and over time because the scorer sees different
answers, not because a figure was written in. A mentor then reviews some answers.

Re-running adds nothing: a candidate who has any interview keeps their history.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.tenants import audit, interviews, notices, notifications, official, reviews
from aimi.tenants.interview_models import Interview
from aimi.tenants.models import Job, User
from aimi.tenants.notification_models import Notification, NotificationPreference

QUESTIONS_PER_INTERVIEW = 3
# Vague sentences a weak answer pads itself with; the scorer finds no content in them.
FILLER = (
    "I think this depends on the situation and the team.",
    "It is important to work hard and learn from it.",
    "I have read about this and I would try my best.",
    "Basically it is a good thing to know for any job.",
)
# The kinds whose mail a seeded history would otherwise send by the dozen: during seeding
# they go to the inbox only, and the candidate's own choice is restored afterwards.
QUIET_KINDS = ("report_ready", "review_finished")


@dataclass(frozen=True)
class Plan:
    """One candidate's practice: role, interview types in order, how many sessions over
    how many days (ending ``last_days_ago`` days ago), and answer quality from first to last
    (0 = only vague sentences, 1 = the whole reference answer)."""

    email: str
    role: str
    types: tuple[str, ...]
    sessions: int
    over_days: int
    last_days_ago: int
    quality: tuple[float, float]


def answer_text(reference: str, quality: float, rng: random.Random) -> str:
    """An answer that keeps the first ``quality`` share of the reference's sentences and
    pads the rest with vague ones (at least one sentence of each when quality is between)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", reference.strip()) if s]
    kept = round(len(sentences) * quality)
    padding = rng.sample(FILLER, k=min(len(FILLER), max(1, round((1 - quality) * 3))))
    return " ".join(sentences[:kept] + (padding if quality < 0.95 else []))


def _times(plan: Plan, now: datetime) -> list[datetime]:
    """When each session starts: spread evenly over the plan's days, at a daytime hour."""
    first = now - timedelta(days=plan.last_days_ago + plan.over_days)
    step = plan.over_days / max(1, plan.sessions - 1)
    return [(first + timedelta(days=round(i * step))).replace(hour=9 + (i * 3) % 8, minute=(i * 17) % 60,
                                                                 second=0, microsecond=0)
            for i in range(plan.sessions)]


def seed_history(session: Session, plans: list[Plan], mentor: User, *, reviewed_share: float = 0.4,
                 now: datetime | None = None) -> Iterator[str]:
    """Give each planned candidate with no interview yet their history; the mentor
    finishes reviews of about ``reviewed_share`` of the interviews (all but the newest).
    Commits as it goes (each answer is scored by its job, which reads committed rows)."""
    now = now or utcnow()
    for plan in plans:
        candidate = session.scalar(select(User).where(User.email == plan.email))
        if candidate is None or session.scalar(
                select(Interview.id).where(Interview.candidate_id == candidate.id).limit(1)) is not None:
            continue
        chosen = _quiet(session, candidate)
        rng = random.Random(plan.email)
        taken = []
        for index, started in enumerate(_times(plan, now)):
            share = index / max(1, plan.sessions - 1)
            quality = plan.quality[0] + (plan.quality[1] - plan.quality[0]) * share
            interview = _take(session, candidate, plan.role, plan.types[index % len(plan.types)], started,
                              quality, rng)
            taken.append(interview)
        for interview in taken[:-1]:
            if rng.random() < reviewed_share:
                _review(session, interview, mentor, rng)
        _settle_notifications(session, candidate, chosen, now)
        yield f"{plan.email}: {len(taken)} scored interviews over {plan.over_days} days"


def _quiet(session: Session, candidate: User) -> dict[str, str]:
    """Send the seeded history's notifications to the inbox only; returns the choices to restore."""
    chosen = notifications.preferences(session, candidate)
    notifications.set_preferences(session, candidate, {kind: "in_app" for kind in QUIET_KINDS})
    session.commit()
    return chosen


def _settle_notifications(session: Session, candidate: User, chosen: dict[str, str], now: datetime) -> None:
    """Restore the candidate's choices; the history's notifications read, but the newest."""
    session.execute(delete(NotificationPreference).where(
        NotificationPreference.user_id == candidate.id, NotificationPreference.kind.in_(QUIET_KINDS)))
    notifications.set_preferences(session, candidate, {
        kind: channel for kind, channel in chosen.items()
        if kind in QUIET_KINDS and channel != notifications.DEFAULT_CHANNEL})
    newest = session.scalar(select(Notification.id).where(Notification.user_id == candidate.id)
                            .order_by(Notification.id.desc()).limit(1))
    session.execute(update(Notification).where(
        Notification.user_id == candidate.id, Notification.kind.in_(QUIET_KINDS),
        Notification.id != newest, Notification.read_at.is_(None)).values(read_at=now))
    session.commit()


def _take(session: Session, candidate: User, role: str, type_: str, started: datetime, quality: float,
          rng: random.Random) -> Interview:
    """One interview answered at about ``quality`` and scored by its jobs, dated ``started``."""
    interview = interviews.start(session, candidate, role=role, type=type_, difficulty="medium",
                                 num_questions=QUESTIONS_PER_INTERVIEW)
    interview.started_at = started
    at = started
    job_ids = []
    for _position in range(QUESTIONS_PER_INTERVIEW):
        answer = interviews.present(session, interview)
        assert answer is not None, "the interview has a question for each position"
        answer.presented_at = at
        session.flush()  # a real candidate's page committed the question before they answered
        reference = (answer.question.reference_answers or [""])[0]
        jitter = max(0.0, min(1.0, quality + rng.uniform(-0.15, 0.15)))
        at += timedelta(seconds=rng.randint(60, min(170, answer.time_limit_seconds - 10)))
        result = interviews.submit_answer(session, answer, answer_text(reference, jitter, rng), candidate,
                                          now=at)
        answer.draft_saved_at = at
        if result.job is not None:
            job_ids.append(result.job.id)
    session.commit()
    for job_id in job_ids:
        jobs.run_here(current_tenant().slug, job_id)
    session.expire_all()
    interview = session.get_one(Interview, interview.id)
    if interview.status != "scored":
        errors = session.scalars(select(Job.last_error).where(Job.id.in_(job_ids))).all()
        raise RuntimeError(f"demo interview {interview.id} was not scored: {errors}")
    interview.scored_at = at + timedelta(seconds=5)
    session.execute(update(Notification).where(
        Notification.key == notifications.key_for("report_ready", f"interview{interview.id}", user=candidate))
        .values(created_at=interview.scored_at))
    session.commit()
    return interview


def _review(session: Session, interview: Interview, mentor: User, rng: random.Random) -> None:
    """The mentor reviews every answer of the interview: mostly close to the AI, sometimes
    a few points stricter or kinder on one dimension, with a comment when it is far."""
    rules = official.Rules.load(session)
    for answer in interview.answers:
        ai = reviews.ai_scores(answer, rules)
        form: dict[str, object] = {}
        for name, score in ai.items():
            if score is not None:
                moved = score + rng.choice((-8, -4, 0, 0, 5, 12))
                form[f"score_{name}"] = str(round(max(0.0, min(100.0, moved))))
        form["comment"] = rng.choice((
            "Good structure; give one concrete example from your project next time.",
            "Clear answer. Name the trade-off you would make and why.",
            "Start with the direct answer, then explain; you buried the key point.",
        ))
        review, _before = reviews.save(session, answer, mentor, form, finish=True)
        session.flush()
        review.created_at = review.updated_at = (interview.scored_at or utcnow()) + timedelta(days=1)
        audit.record(session, "review.completed", actor=mentor, target_type="mentor_review",
                     target_id=review.id, details={"answer_id": answer.id, "after": reviews.snapshot(review)})
        notices.review_finished(session, review)
    session.commit()
