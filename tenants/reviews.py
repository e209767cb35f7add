"""Mentor reviews: a mentor's rubric checklist, score overrides and comment for one answer,
stored in ``MentorReview`` beside the AI's report (``answer.report`` is never changed).

A review's ``scores`` maps each dimension the mentor overrode to 0-100 (a dimension left
out agrees with the AI); ``rubric_checked`` lists the indexes of the rubric points ticked.
``overall`` is the mentor's overall, None when they agree with the AI's.

Mentors see the answers of their cohorts' candidates, admins every answer, once the
interview is submitted or scored. Functions here stage changes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, aliased

from aimi.evaluators.criteria import criterion_id
from aimi.platform.timeutil import utcnow
from aimi.tenants import agreement, official
from aimi.tenants.interview_models import Interview, InterviewAnswer, MentorReview
from aimi.tenants.interviews import content_evidence
from aimi.tenants.models import User, cohort_candidates, cohort_mentors

REVIEWABLE_STATUSES = ("submitted", "scored")
TABS = {"to_review": "To review", "in_progress": "In progress", "reviewed": "Reviewed"}
COMMENT_NEEDED_ABOVE = 15.0  # an override this far from the AI needs a comment
AGREES_WITHIN = agreement.WITHIN
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
    """One tab of the user's review queue (rows of answer, interview, candidate, review,
    reviewer), oldest submission first so nothing waits forever.

    A review counts as done whoever finished it: "to review" leaves out answers any staff
    member finished (and the user's own drafts), "reviewed" lists every finished review of
    the answers the user may see, one row per review with its reviewer."""
    reviewer = aliased(User)
    if tab == "reviewed":
        joined = and_(MentorReview.answer_id == InterviewAnswer.id, MentorReview.status == "reviewed")
    else:
        joined = and_(MentorReview.answer_id == InterviewAnswer.id, MentorReview.mentor_id == user.id)
    stmt = (_visible(user).add_columns(Interview, User, MentorReview, reviewer)
            .join(User, User.id == Interview.candidate_id).outerjoin(MentorReview, joined)
            .outerjoin(reviewer, reviewer.id == MentorReview.mentor_id))
    if tab == "to_review":
        done = aliased(MentorReview)
        finished = select(done.id).where(done.answer_id == InterviewAnswer.id, done.status == "reviewed")
        stmt = stmt.where(MentorReview.id.is_(None), ~finished.exists())
    else:
        stmt = stmt.where(MentorReview.status == tab)
    return stmt.order_by(Interview.submitted_at, InterviewAnswer.interview_id, InterviewAnswer.position,
                         MentorReview.id)


def others(session: Session, user: User, answer_ids: Iterable[int],
           status: str = "in_progress") -> dict[int, list[str]]:
    """Who else holds a review of each answer in ``status`` (names by answer id): drafts, so
    two staff members do not review the same answer unawares, or finished reviews."""
    ids = list(answer_ids)
    if not ids:
        return {}
    rows = session.execute(select(MentorReview.answer_id, User)
                           .join(User, User.id == MentorReview.mentor_id)
                           .where(MentorReview.answer_id.in_(ids), MentorReview.status == status,
                                  MentorReview.mentor_id != user.id)
                           .order_by(MentorReview.updated_at, MentorReview.id))
    found: dict[int, list[str]] = {}
    for answer_id, other in rows:
        found.setdefault(answer_id, []).append(other.display_name)
    return found


def visible_answer(session: Session, user: User, answer_id: int) -> InterviewAnswer:
    answer = session.scalar(_visible(user).where(InterviewAnswer.id == answer_id))
    if answer is None:
        raise AnswerNotFound(answer_id)
    return answer


def review_of(session: Session, answer: InterviewAnswer, user: User) -> MentorReview | None:
    return session.scalar(select(MentorReview).where(MentorReview.answer_id == answer.id,
                                                     MentorReview.mentor_id == user.id))


def ai_scores(answer: InterviewAnswer, rules: official.Rules) -> dict[str, float | None]:
    """The AI's score per dimension of the answer's report as the college sees it
    (calibrated where it was); None where the evaluator failed."""
    shown = official.ai_score(answer, rules).dimensions
    return {name: shown.get(name) for name in (answer.report or {}).get("dimensions") or {}}


def overrides(review: MentorReview | None) -> dict[str, float]:
    """The mentor's per-dimension scores."""
    return dict((review.scores if review else None) or {})


def rubric_ticked(review: MentorReview | None) -> list[int]:
    return list((review.rubric_checked if review else None) or [])


def ai_ticked(answer: InterviewAnswer) -> list[int]:
    """Indexes of the answer's rubric lines its AI report found met: a technical point by its
    text, an HR or behavioural line by the criterion it names."""
    covered = content_evidence(answer.report).get("points_covered") or []
    points = {str(p.get("point", "")).strip().casefold() for p in covered}
    met = {p["criterion"] for p in covered if p.get("criterion")}
    return [i for i, line in enumerate(answer.question.rubric or [])
            if line.strip().casefold() in points or criterion_id(line) in met]


def checklist(review: MentorReview | None, answer: InterviewAnswer) -> list[int]:
    """Where the reviewer's rubric checklist starts: their saved ticks, or the AI's judgement
    before they saved anything (the mentor corrects it rather than starting from nothing)."""
    return ai_ticked(answer) if review is None else rubric_ticked(review)


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
    rules = official.Rules.load(session)
    ai = ai_scores(answer, rules)
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
    if _far(overall, official.ai_score(answer, rules).overall):
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
class Difference:
    """A figure where the mentor is more than ``AGREES_WITHIN`` points from the AI."""

    name: str
    mentor: float
    ai: float

    def __str__(self) -> str:
        return f"{self.name} {self.mentor:.0f} (AI {self.ai:.0f})"


def differences(score: official.Score) -> list[Difference]:
    """The dimensions (by name) and the overall on which a mentor's score is more than
    ``AGREES_WITHIN`` points from the AI's; empty means the mentor agrees with the AI."""
    ai = score.ai_dimensions
    found = [Difference(name, value, ai[name]) for name, value in sorted(score.dimensions.items())
             if name in ai and abs(value - ai[name]) > AGREES_WITHIN]
    if score.overall is not None and score.ai_overall is not None \
            and abs(score.overall - score.ai_overall) > AGREES_WITHIN:
        found.append(Difference("overall", score.overall, score.ai_overall))
    return found


@dataclass(frozen=True)
class Verdict:
    """A review's figures as the queue and the report show them: the score it makes
    official, what it adjusted and where it differs from the AI."""

    score: official.Score
    adjusted: dict[str, float]
    differences: list[Difference]

    @property
    def agrees(self) -> bool:
        return not self.differences


def verdict(answer: InterviewAnswer, review: MentorReview, rules: official.Rules) -> Verdict:
    score = official.answer_score(answer, review, rules)
    return Verdict(score, overrides(review), differences(score))


@dataclass(frozen=True)
class ReviewView:
    """A finished mentor review of one answer, as a candidate's report may show it."""

    mentor_name: str
    verdict: Verdict
    rubric_ticked: list[int]
    overall: float | None  # what the mentor typed; None: recomputed from the dimensions
    comment: str
    reviewed_at: datetime


def reviews_for_answer(session: Session, answer: InterviewAnswer,
                       rules: official.Rules | None = None) -> list[ReviewView]:
    """The finished reviews of an answer (drafts stay private to their mentor)."""
    rules = rules or official.Rules.load(session)
    rows = session.execute(
        select(MentorReview, User).join(User, User.id == MentorReview.mentor_id)
        .where(MentorReview.answer_id == answer.id, MentorReview.status == "reviewed")
        .order_by(MentorReview.updated_at)).all()
    return [ReviewView(user.display_name, verdict(answer, review, rules), rubric_ticked(review),
                       review.overall, review.comment, review.updated_at) for review, user in rows]


@dataclass(frozen=True)
class Agreement:
    """How far the AI agrees with the college's mentors over finished reviews of scored
    answers: the overall and each dimension measured apart, and how many reviews agree on
    every figure (``agreeing``)."""

    count: int
    agreeing: int
    overall: agreement.Figures
    dimensions: dict[str, agreement.Figures]

    @property
    def agreeing_share(self) -> float | None:
        return self.agreeing / self.count if self.count else None


def agreement_stats(session: Session) -> Agreement:
    """The AI (as the college sees it: calibrated where it was) against the official score
    of each finished review. A dimension is measured only where the mentor scored it: a blank
    one is no evidence of agreement (counting it as the AI's own figure would read as perfect
    agreement). The overall is the mentor's, typed or recomputed."""
    rules = official.Rules.load(session)
    rows = session.execute(
        select(MentorReview, InterviewAnswer)
        .join(InterviewAnswer, InterviewAnswer.id == MentorReview.answer_id)
        .where(MentorReview.status == "reviewed", InterviewAnswer.overall.is_not(None))).all()
    pairs: dict[str, tuple[list[float], list[float]]] = {}
    agreeing = 0
    for review, answer in rows:
        found = verdict(answer, review, rules)
        agreeing += found.agrees
        score = found.score
        scored = overrides(review)
        figures = {**{n: (score.ai_dimensions.get(n), v) for n, v in score.dimensions.items() if n in scored},
                   "overall": (score.ai_overall, score.overall)}
        for name, (ai, mine) in figures.items():
            if ai is not None and mine is not None:
                pairs.setdefault(name, ([], []))
                pairs[name][0].append(ai)
                pairs[name][1].append(mine)
    measured = {name: agreement.measure(*found) for name, found in pairs.items()}
    overall = measured.pop("overall", agreement.measure([], []))
    return Agreement(len(rows), agreeing, overall, dict(sorted(measured.items())))
