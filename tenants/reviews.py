"""Mentor reviews: a mentor's rubric checklist, score overrides and comment for one answer,
stored in ``MentorReview`` beside the AI's report (``answer.report`` is never changed).

A review's ``scores`` maps each dimension the mentor overrode to 0-100 (a dimension left
out agrees with the AI); ``rubric_checked`` lists the indexes of the rubric points ticked.
``overall`` is the mentor's overall, None when they agree with the AI's.

Mentors see the answers of their cohorts' candidates, admins every answer, once the
interview is submitted or scored. Functions here stage changes; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import mean
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from aimi.platform.timeutil import utcnow
from aimi.tenants.interview_models import Interview, InterviewAnswer, MentorReview
from aimi.tenants.models import User, cohort_candidates, cohort_mentors

REVIEWABLE_STATUSES = ("submitted", "scored")
TABS = {"to_review": "To review", "in_progress": "In progress", "reviewed": "Reviewed"}
COMMENT_NEEDED_ABOVE = 15.0  # an override this far from the AI needs a comment
AGREES_WITHIN = 10.0
MAX_COMMENT = 2000


class ReviewError(ValueError):
    """A review the rules refuse; ``errors`` maps each input to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class AnswerNotFound(LookupError):
    """No such answer, or not one this user may review: shown as 404 so ids do not leak."""


def mentees(user: User) -> Select:
    """Ids of the candidates in the cohorts ``user`` mentors."""
    return (select(cohort_candidates.c.user_id)
            .join(cohort_mentors, cohort_mentors.c.cohort_id == cohort_candidates.c.cohort_id)
            .where(cohort_mentors.c.user_id == user.id))


def may_see_candidate(session: Session, user: User, candidate_id: int) -> bool:
    """Admins see every candidate of their college; mentors those of their cohorts."""
    if "admin" in user.role_names or user.id == candidate_id:
        return True
    if "mentor" not in user.role_names:
        return False
    return session.scalar(mentees(user).where(cohort_candidates.c.user_id == candidate_id)) is not None


def _visible(user: User) -> Select:
    """The answers the user may review: submitted or scored interviews, of the mentor's
    cohorts' candidates (admins: everyone's)."""
    stmt = (select(InterviewAnswer).join(Interview, Interview.id == InterviewAnswer.interview_id)
            .where(Interview.status.in_(REVIEWABLE_STATUSES)))
    if "admin" not in user.role_names:
        stmt = stmt.where(Interview.candidate_id.in_(mentees(user)))
    return stmt


def queue(user: User, tab: str) -> Select:
    """One tab of the user's review queue (rows of answer, interview, candidate, review),
    oldest submission first so nothing waits forever."""
    mine = and_(MentorReview.answer_id == InterviewAnswer.id, MentorReview.mentor_id == user.id)
    stmt = (_visible(user).add_columns(Interview, User, MentorReview)
            .join(User, User.id == Interview.candidate_id).outerjoin(MentorReview, mine))
    if tab == "to_review":
        stmt = stmt.where(MentorReview.id.is_(None))
    else:
        stmt = stmt.where(MentorReview.status == tab)
    return stmt.order_by(Interview.submitted_at, InterviewAnswer.interview_id, InterviewAnswer.position)


def visible_answer(session: Session, user: User, answer_id: int) -> InterviewAnswer:
    answer = session.scalar(_visible(user).where(InterviewAnswer.id == answer_id))
    if answer is None:
        raise AnswerNotFound(answer_id)
    return answer


def review_of(session: Session, answer: InterviewAnswer, user: User) -> MentorReview | None:
    return session.scalar(select(MentorReview).where(MentorReview.answer_id == answer.id,
                                                     MentorReview.mentor_id == user.id))


def ai_scores(answer: InterviewAnswer) -> dict[str, float | None]:
    """The AI's score per dimension of the answer's report."""
    dimensions = (answer.report or {}).get("dimensions") or {}
    return {name: (d or {}).get("score") for name, d in dimensions.items()}


def overrides(review: MentorReview | None) -> dict[str, float]:
    """The mentor's per-dimension scores."""
    return dict((review.scores if review else None) or {})


def rubric_ticked(review: MentorReview | None) -> list[int]:
    return list((review.rubric_checked if review else None) or [])


def snapshot(review: MentorReview | None) -> dict[str, Any] | None:
    """What the audit log keeps of a review, before and after a change."""
    if review is None:
        return None
    return {"status": review.status, "scores": overrides(review), "rubric": rubric_ticked(review),
            "overall": review.overall, "comment": review.comment}


def _score(raw: str | None, label: str, errors: dict[str, str], key: str) -> float | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[key] = f"{label}: enter a number from 0 to 100, or leave it blank to agree with the AI."
        return None
    if not 0 <= value <= 100:
        errors[key] = f"{label}: enter a number from 0 to 100, or leave it blank to agree with the AI."
        return None
    return round(value, 1)


def _far(mine: float | None, ai: float | None) -> bool:
    return mine is not None and ai is not None and abs(mine - ai) > COMMENT_NEEDED_ABOVE


def save(session: Session, answer: InterviewAnswer, user: User, form: dict[str, Any], *,
         finish: bool) -> tuple[MentorReview, dict | None]:
    """Validate the review form (``score_<dimension>``, ``overall``, ``comment``, ``rubric``
    indexes) and stage the user's review of the answer; returns it with its state before.
    Raises ``ReviewError`` with nothing changed when any input is wrong."""
    errors: dict[str, str] = {}
    ai = ai_scores(answer)
    scores: dict[str, Any] = {}
    for name in ai:
        value = _score(form.get(f"score_{name}"), name.capitalize(), errors, f"score_{name}")
        if value is not None:
            scores[name] = value
    overall = _score(form.get("overall"), "Overall", errors, "overall")
    comment = (form.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = f"Keep the comment to {MAX_COMMENT} characters or fewer."
    far = [n for n, v in scores.items() if _far(v, ai[n])]
    if _far(overall, answer.overall):
        far.append("overall")
    if far and not comment and "comment" not in errors:
        errors["comment"] = (f"Explain your score in a comment: it differs from the AI's by more than "
                             f"{COMMENT_NEEDED_ABOVE:.0f} points ({', '.join(far)}).")
    points = len(answer.question.rubric or [])
    ticked = sorted({int(i) for i in form.get("rubric") or [] if str(i).isdigit() and int(i) < points})
    if errors:
        raise ReviewError(errors)
    review = review_of(session, answer, user)
    before = snapshot(review)
    if review is None:
        review = MentorReview(answer_id=answer.id, mentor_id=user.id)
        session.add(review)
    review.scores, review.rubric_checked = scores, ticked
    review.overall, review.comment = overall, comment
    review.status = "reviewed" if finish else "in_progress"
    review.updated_at = utcnow()
    return review, before


# -- Read by other features ----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewView:
    """A finished mentor review of one answer, as a candidate's report may show it."""

    mentor_name: str
    scores: dict[str, float]
    rubric_ticked: list[int]
    overall: float | None  # None: the mentor agrees with the AI's overall
    comment: str
    reviewed_at: datetime


def reviews_for_answer(session: Session, answer_id: int) -> list[ReviewView]:
    """The finished reviews of an answer (drafts stay private to their mentor)."""
    rows = session.execute(
        select(MentorReview, User).join(User, User.id == MentorReview.mentor_id)
        .where(MentorReview.answer_id == answer_id, MentorReview.status == "reviewed")
        .order_by(MentorReview.updated_at)).all()
    return [ReviewView(user.display_name, overrides(review), rubric_ticked(review), review.overall,
                       review.comment, review.updated_at) for review, user in rows]


def agreement_stats(session: Session) -> dict[str, Any]:
    """How far the AI agrees with the college's mentors, over finished reviews of scored
    answers: ``count``, ``mean_abs_diff`` (points) and ``within_10_share`` (0-1) of the
    mentor's overall (the AI's when the mentor left it blank) against the AI's overall."""
    rows = session.execute(
        select(MentorReview.overall, InterviewAnswer.overall)
        .join(InterviewAnswer, InterviewAnswer.id == MentorReview.answer_id)
        .where(MentorReview.status == "reviewed", InterviewAnswer.overall.is_not(None))).all()
    diffs = [abs((mine if mine is not None else ai) - ai) for mine, ai in rows]
    if not diffs:
        return {"count": 0, "mean_abs_diff": None, "within_10_share": None}
    return {"count": len(diffs), "mean_abs_diff": round(mean(diffs), 1),
            "within_10_share": round(sum(d <= AGREES_WITHIN for d in diffs) / len(diffs), 3)}
