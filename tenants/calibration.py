"""Calibration of the AI to a college's mentors: from their finished reviews, a monotone
map per interview type and dimension from the AI's raw scores to the mentors' (fitted by
``calibration_fit`` on a worker), applied to answers scored afterwards.

The training pair of a review is (the AI's raw dimension score, the mentor's score of that
dimension): a dimension the mentor left blank is no evidence either way and gives no pair
(counting it as the AI's own figure would teach the map that the AI is always right). A
map is fitted for a type once it has ``MIN_REVIEWS`` reviews, for each dimension with as many
mentor-scored pairs, and refitted every ``REFIT_EVERY`` reviews. Scoring stores the calibrated
figures beside the raw ones in the answer's report (``report["calibrated"]``); whether they
are shown is the college's ``calibration_enabled`` setting, read when a score is shown, so
switching it off (or on again) changes every page at once and rewrites nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aimi.plugins import jobs
from aimi.tenants import calibration_fit, official
from aimi.tenants.agreement import Figures, measure
from aimi.tenants.calibration_models import Calibration
from aimi.tenants.interview_models import InterviewAnswer, MentorReview
from aimi.tenants.interviews import dimension_numbers
from aimi.tenants.models import Job

KIND = "fit_calibration"  # the job kind; its handler is aimi.plugins.calibration_jobs
# Reviews of one interview type before its first fit. With 5-fold cross-validation each
# fold then trains on 24 pairs; benchmarks/calibration.py shows that with 15 reviews the
# held-out error often rises, and that from about 30 the fit pays for itself.
MIN_REVIEWS = 30
REFIT_EVERY = 10


@dataclass
class Pairs:
    """One interview type's training data: reviews counted, and per dimension the AI's
    raw scores with the mentors' official ones."""

    reviews: int = 0
    ai: dict[str, list[float]] = field(default_factory=dict)
    mentor: dict[str, list[float]] = field(default_factory=dict)

    def add(self, dimension: str, ai: float, mentor: float) -> None:
        self.ai.setdefault(dimension, []).append(ai)
        self.mentor.setdefault(dimension, []).append(mentor)


def training_pairs(session: Session) -> dict[str, Pairs]:
    """Per interview type, the finished reviews of scored answers and, per dimension, the
    pairs of those whose mentor scored that dimension."""
    found: dict[str, Pairs] = {}
    for review, answer in session.execute(
            select(MentorReview, InterviewAnswer)
            .join(InterviewAnswer, InterviewAnswer.id == MentorReview.answer_id)
            .where(MentorReview.status == "reviewed", InterviewAnswer.overall.is_not(None))):
        pairs = found.setdefault(official.scoring_type(answer.question), Pairs())
        pairs.reviews += 1
        mentor = dimension_numbers(review.scores)
        for name, raw in dimension_numbers((answer.report or {}).get("dimensions")).items():
            if name in mentor:
                pairs.add(name, raw, mentor[name])
    return found


def fit(session: Session) -> int | None:
    """Fit every interview type with enough reviews and stage the rows of a new fit;
    returns its number, or None when no type has enough reviews yet."""
    rows = []
    for kind, pairs in sorted(training_pairs(session).items()):
        if pairs.reviews < MIN_REVIEWS:
            continue
        for name in sorted(pairs.ai):
            if len(pairs.ai[name]) < MIN_REVIEWS:
                continue
            found = calibration_fit.fit(pairs.ai[name], pairs.mentor[name])
            rows.append(Calibration(interview_type=kind, dimension=name, n=found.n, method=found.method,
                                    params=found.params, figures_before=asdict(found.before),
                                    figures_after=asdict(found.after), kept=found.kept))
    if not rows:
        return None
    number = (session.scalar(select(func.max(Calibration.fit_number))) or 0) + 1
    for row in rows:
        row.fit_number = number
    session.add_all(rows)
    return number


def latest(session: Session) -> list[Calibration]:
    """The rows of the latest fit (kept or not), by interview type and dimension."""
    number = select(func.max(Calibration.fit_number)).scalar_subquery()
    return list(session.scalars(select(Calibration).where(Calibration.fit_number == number)
                                .order_by(Calibration.interview_type, Calibration.dimension)))


def calibrated(session: Session, answer: InterviewAnswer, report: dict[str, Any]) -> dict[str, Any]:
    """``report`` with the calibrated figures beside the raw ones, when the latest fit kept
    a map for the answer's interview type; unchanged otherwise."""
    kind = official.scoring_type(answer.question)
    maps = {row.dimension: row for row in latest(session) if row.kept and row.interview_type == kind}
    raw = dimension_numbers(report.get("dimensions"))
    dimensions = {name: round(float(calibration_fit.predict(row.method, row.params, [raw[name]])[0]), 1)
                  for name, row in maps.items() if name in raw}
    if not dimensions:
        return report
    overall = official.weighted_overall(kind, {**raw, **dimensions}, official.Rules.load(session))
    number = next(iter(maps.values())).fit_number
    return {**report, "calibrated": {"overall": overall, "dimensions": dimensions, "fit": number}}


def stage_refit(session: Session, user_id: int | None) -> Job | None:
    """After a review is finished: the fit job, once there are ``MIN_REVIEWS`` finished
    reviews and then every ``REFIT_EVERY`` more (one job per step, by its idempotency
    key); None when none is due or it was staged before. The caller commits, then dispatches."""
    count = session.scalar(select(func.count(MentorReview.id)).where(MentorReview.status == "reviewed")) or 0
    if count < MIN_REVIEWS:
        return None
    job, created = jobs.stage(session, KIND, {"reviews": count}, created_by=user_id,
                              idempotency_key=f"{KIND}:{count // REFIT_EVERY}")
    return job if created else None


def stage_fit_now(session: Session, user_id: int | None) -> Job:
    """An admin's "fit now": a fit job of its own."""
    job, _created = jobs.stage(session, KIND, {"requested": True}, created_by=user_id)
    return job


def since_fitted(session: Session) -> dict[str, tuple[Figures, Figures]]:
    """Per calibrated dimension, over finished reviews of answers scored with a calibration
    (which no fit that calibrated them was trained on): the raw AI against the mentors, and
    the calibrated AI against them. Only dimensions the mentor scored count: a blank one
    would agree with whatever was shown."""
    rules = official.Rules.load(session)
    pairs: dict[str, tuple[list[float], list[float], list[float]]] = {}
    for review, answer in session.execute(
            select(MentorReview, InterviewAnswer)
            .join(InterviewAnswer, InterviewAnswer.id == MentorReview.answer_id)
            .where(MentorReview.status == "reviewed", InterviewAnswer.overall.is_not(None))):
        shown = dimension_numbers(((answer.report or {}).get("calibrated") or {}).get("dimensions"))
        if not shown:
            continue
        raw = dimension_numbers(answer.report.get("dimensions"))
        mentor = official.answer_score(answer, review, rules).dimensions
        scored = review.scores or {}
        for name, value in shown.items():
            if name in raw and name in mentor and name in scored:
                found = pairs.setdefault(name, ([], [], []))
                found[0].append(raw[name])
                found[1].append(value)
                found[2].append(mentor[name])
    return {name: (measure(raw, mentor), measure(calibrated, mentor))
            for name, (raw, calibrated, mentor) in sorted(pairs.items())}


@dataclass(frozen=True)
class Status:
    """What Analytics shows of calibration."""

    enabled: bool
    rows: list[Calibration]
    reviews: dict[str, int]  # finished reviews of scored answers per interview type
    since: dict[str, tuple[Figures, Figures]]  # see since_fitted
    minimum: int = MIN_REVIEWS

    @property
    def fitted_at(self) -> datetime | None:
        return max((row.fitted_at for row in self.rows), default=None)

    @property
    def state(self) -> str:
        """The one thing Analytics says first: "off" (switched off), "waiting" (no fit yet:
        too few reviews), "unused" (fitted, but no map beat the raw scores) or "in_use"."""
        if not self.enabled:
            return "off"
        if not self.rows:
            return "waiting"
        return "in_use" if any(row.kept for row in self.rows) else "unused"

    @property
    def in_use(self) -> list[Calibration]:
        return [row for row in self.rows if row.kept]


def status(session: Session) -> Status:
    return Status(official.Rules.load(session).calibrate, latest(session),
                  {kind: pairs.reviews for kind, pairs in sorted(training_pairs(session).items())},
                  since_fitted(session))
