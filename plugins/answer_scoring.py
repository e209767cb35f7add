"""Scoring of interview answers: the ``score_answer`` job, queued when an answer is submitted.

A spoken answer is scored on its submitted (possibly corrected) text for content, and on
its recording's delivery analysis, measured on the audio, for delivery. When the college's
latest calibration covers the answer's type, the calibrated figures are stored beside the
raw ones (``aimi.tenants.calibration``).

The handler scores only an answer that has no report yet, so a re-run or a second delivery
stores the same report once; the last report of a submitted interview closes it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from aimi.plugins import jobs
from aimi.plugins.scoring import score_for_tenant
from aimi.plugins.types import AnswerInput
from aimi.tenants import calibration, interviews, official, recordings
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.models import Job


def answer_input(answer: InterviewAnswer, speech: dict[str, Any] | None = None) -> AnswerInput:
    """The answer with what its question version expects (aptitude is read as technical),
    and for a spoken answer its delivery analysis."""
    question = answer.question
    return AnswerInput(
        id=f"answer-{answer.id}", question=answer.question_text, answer=answer.text,
        reference_answers=tuple(question.reference_answers or ()), rubric=tuple(question.rubric or ()),
        keywords=tuple(question.keywords or ()),
        type=official.scoring_type(question), speech=speech,
        company=answer.interview.target_company or "",
    )


@jobs.register(interviews.SCORE_KIND, queue="scoring")
def score(session: Session, job: Job) -> dict[str, Any]:
    """Score the answer with the tenant's evaluators and weights, then close the interview
    if this was its last report."""
    answer = session.get(InterviewAnswer, job.payload["answer_id"])
    if answer is None:
        raise LookupError(f"interview answer {job.payload['answer_id']} does not exist")
    interviews.lock(session, answer.interview_id)  # before writing the report: see finish_if_scored
    if answer.report is None:
        take = recordings.current(session, answer)
        speech = take.speech if take is not None and take.status == "transcribed" else None
        report = score_for_tenant(session, answer_input(answer, speech)).as_dict()
        interviews.store_score(answer, calibration.calibrated(session, answer, report))
    else:
        interviews.finish_if_scored(answer.interview)
    return {"answer_id": answer.id, "interview_id": answer.interview_id, "overall": answer.overall}
