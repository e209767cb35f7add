"""The official score of an answer and of an interview, and where it comes from.

A finished mentor review is the official score: the dimensions it overrides replace the
AI's, and the overall is the mentor's when they set it, otherwise recomputed from the
dimensions with the college's weights for the question's type. Without a review, the AI's
score is official, calibrated to the college's mentors when a calibration was applied at
scoring time and the college has calibration on. The AI's own figures always travel
beside the official ones.

Every page, export and API that shows a score reads it here, computed on read (a review, a
weight or the calibration switch changes what is shown without rewriting stored reports).
When several mentors finished a review of one answer, the latest one counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.evaluators.report import build_report, resolve_weights
from aimi.plugins.types import INTERVIEW_TYPES, AnswerInput, DimensionScore
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Interview, InterviewAnswer, MentorReview, QuestionVersion
from aimi.tenants.interviews import aggregate, dimension_numbers, ranked_summary

SOURCES = {"mentor": "mentor's review", "calibrated": "AI, calibrated to your mentors", "ai": "AI"}


@dataclass(frozen=True)
class Score:
    """Official figures with the AI's beside them; ``source`` is a key of ``SOURCES``.
    For an interview, ``reviewed`` counts its answers a mentor reviewed."""

    overall: float | None
    dimensions: dict[str, float]
    source: str
    ai_overall: float | None
    ai_dimensions: dict[str, float]
    reviewed: int = 0
    calibrated_from: dict[str, float] = field(default_factory=dict)  # raw AI, when calibrated

    @property
    def label(self) -> str:
        return SOURCES[self.source]


@dataclass(frozen=True)
class Rules:
    """What turns stored reports into official scores for one college."""

    weights: Mapping[str, Mapping[str, float]]
    calibrate: bool = True

    @classmethod
    def load(cls, session: Session) -> Rules:
        found = tenant_settings.load(session)
        return cls(found.scoring_weights, found.calibration_enabled)


def scoring_type(question: QuestionVersion) -> str:
    """The weight table a question's answers are scored with (aptitude reads as technical)."""
    return question.type if question.type in INTERVIEW_TYPES else "technical"


def weighted_overall(kind: str, dimensions: Mapping[str, float], rules: Rules) -> float | None:
    """The overall the scorer would give these dimension scores, with the college's weights."""
    answer = AnswerInput(id="official", question="", answer="", type=kind)
    found = [DimensionScore(name, score) for name, score in dimensions.items()]
    return build_report(answer, found, resolve_weights(kind, rules.weights)).overall


def ai_score(answer: InterviewAnswer, rules: Rules) -> Score:
    """The AI's score of an answer as the college sees it: calibrated when it was and the
    college has calibration on; the raw score otherwise."""
    report = answer.report or {}
    raw = dimension_numbers(report.get("dimensions"))
    calibrated = report.get("calibrated")
    if rules.calibrate and calibrated:
        dimensions = {**raw, **dimension_numbers(calibrated.get("dimensions"))}
        return Score(calibrated.get("overall"), dimensions, "calibrated", calibrated.get("overall"),
                     dimensions, calibrated_from={**raw, "overall": answer.overall})
    return Score(answer.overall, raw, "ai", answer.overall, raw)


def answer_score(answer: InterviewAnswer, review: MentorReview | None, rules: Rules) -> Score:
    """The official score of one answer, given its latest finished review (or None)."""
    ai = ai_score(answer, rules)
    if review is None:
        return ai
    overrides = dimension_numbers(review.scores)
    dimensions = {**ai.dimensions, **overrides}
    if review.overall is not None:
        overall = review.overall
    elif overrides:
        overall = weighted_overall(scoring_type(answer.question), dimensions, rules)
    else:
        overall = ai.overall
    return Score(overall, dimensions, "mentor", ai.overall, ai.dimensions, 1, ai.calibrated_from)


def latest_reviews(session: Session, answer_ids: Iterable[int]) -> dict[int, MentorReview]:
    """The latest finished review of each answer that has one (one query)."""
    ids = list(answer_ids)
    if not ids:
        return {}
    rows = session.scalars(select(MentorReview)
                           .where(MentorReview.answer_id.in_(ids), MentorReview.status == "reviewed")
                           .order_by(MentorReview.updated_at, MentorReview.id))
    return {review.answer_id: review for review in rows}


def answer_scores(session: Session, answers: Sequence[InterviewAnswer],
                  rules: Rules | None = None) -> dict[int, Score]:
    """Official scores of answers by id (two queries whatever their number)."""
    rules = rules or Rules.load(session)
    found = latest_reviews(session, (a.id for a in answers))
    return {a.id: answer_score(a, found.get(a.id), rules) for a in answers}


def interview_score(answers: Sequence[InterviewAnswer], scores: Mapping[int, Score]) -> Score:
    """An interview's official score: the mean of its answers' official scores, through the
    same aggregate that builds the AI's interview report."""
    official = aggregate(answers, scores)
    ai = aggregate(answers, {a.id: ai_score_of(scores[a.id]) for a in answers})
    reviewed = sum(scores[a.id].reviewed for a in answers)
    sources = {scores[a.id].source for a in answers}
    source = "mentor" if reviewed else ("calibrated" if "calibrated" in sources else "ai")
    return Score(official["overall"], official["dimensions"], source, ai["overall"], ai["dimensions"],
                 reviewed)


def answer_summary(answer: InterviewAnswer, score: Score) -> str:
    """The answer's summary line in its official figures: the AI's own while they are the
    AI's, else rebuilt, so it never contradicts a mentor's score shown beside it."""
    if score.source == "ai" or score.overall is None:
        return str((answer.report or {}).get("summary", ""))
    return f"Overall {score.overall:.0f}/100 ({score.label}).{ranked_summary(score.dimensions)}"


def ai_score_of(score: Score) -> Score:
    """The AI's side of an official score, as a score of its own."""
    return Score(score.ai_overall, score.ai_dimensions, "ai", score.ai_overall, score.ai_dimensions)


def interview_scores(session: Session, interview_ids: Iterable[int],
                     rules: Rules | None = None) -> dict[int, Score]:
    """Official scores of interviews by id (three queries whatever their number)."""
    ids = list(interview_ids)
    if not ids:
        return {}
    answers = list(session.scalars(select(InterviewAnswer).where(InterviewAnswer.interview_id.in_(ids))
                                   .order_by(InterviewAnswer.interview_id, InterviewAnswer.position)))
    scores = answer_scores(session, answers, rules)
    grouped: dict[int, list[InterviewAnswer]] = {}
    for answer in answers:
        grouped.setdefault(answer.interview_id, []).append(answer)
    return {interview_id: interview_score(grouped.get(interview_id, []), scores) for interview_id in ids}


def scored_interview_ids(session: Session, *conditions: Any) -> list[int]:
    """Ids of scored interviews matching ``conditions`` (on ``Interview``), oldest first."""
    return list(session.scalars(select(Interview.id).where(Interview.status == "scored", *conditions)
                                .order_by(Interview.started_at, Interview.id)))
