"""Try-it evaluations: a sample answer stored, then scored by a ``score_evaluation`` job.

Question authors use them to see how the AI scores an answer before publishing a
question. The request is stored with its job in one transaction, before anything is
queued; the handler scores only an evaluation that has no report yet, so a re-run or a
second delivery of the job stores the same report, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aimi.evaluators.criteria import COMPANY_PLACEHOLDER
from aimi.platform.tenancy import TenantRef
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins.scoring import score_for_tenant
from aimi.plugins.types import AnswerInput
from aimi.tenants.models import Evaluation, Job

KIND = "score_evaluation"
LIST_FIELDS = ("reference_answers", "rubric", "keywords")


def submit(
    session: Session, request: dict[str, Any], *, user_id: int, idempotency_key: str | None = None
) -> tuple[Evaluation, bool]:
    """Stage an evaluation and its job (the caller commits, then dispatches the job), or
    return the one this user made with the same idempotency key; the flag says if new."""
    key = f"{KIND}:user{user_id}:{idempotency_key}" if idempotency_key else None
    evaluation_id = uuid.uuid4().hex
    job, created = jobs.stage(session, KIND, {"evaluation_id": evaluation_id},
                              idempotency_key=key, created_by=user_id)
    if not created:
        return session.scalars(select(Evaluation).where(Evaluation.job_id == job.id)).one(), False
    evaluation = Evaluation(id=evaluation_id, created_by=user_id, request=request, job=job)
    session.add(evaluation)
    return evaluation, True


def submit_once(
    session: Session, request: dict[str, Any], *, tenant: TenantRef, user_id: int,
    idempotency_key: str | None = None, on_created: Callable[[Evaluation], None] | None = None,
) -> tuple[str, bool]:
    """Store and queue a try-it evaluation once per idempotency key, even when a double
    submit races; returns its id and whether this call made it. ``on_created`` stages extra
    rows (an audit entry) in the same commit. The session is closed at the end: an
    in-process job has run by then, and a new transaction sees its result (MySQL's
    repeatable read would otherwise show the snapshot from before it ran)."""
    try:
        evaluation, created = submit(session, request, user_id=user_id, idempotency_key=idempotency_key)
        if created and on_created is not None:
            on_created(evaluation)
        session.commit()
    except IntegrityError:  # the same key, committed by a concurrent request
        session.rollback()
        evaluation, created = submit(session, request, user_id=user_id, idempotency_key=idempotency_key)
    evaluation_id = evaluation.id
    if created:
        jobs.dispatch(tenant, evaluation.job)
    session.close()
    return evaluation_id, created


def answer_of(evaluation: Evaluation) -> AnswerInput:
    """The stored request as the scorer's input (a batch line's fields)."""
    request = evaluation.request
    fields: dict[str, Any] = {name: tuple(request[name]) for name in LIST_FIELDS if name in request}
    if request.get("type"):
        fields["type"] = request["type"]
    if request.get("company"):
        fields["company"] = request["company"]
        fields["question"] = request["question"].replace(COMPANY_PLACEHOLDER, request["company"])
    fields.setdefault("question", request["question"])
    return AnswerInput(id=request.get("id") or evaluation.id, answer=request["answer"], **fields)


@jobs.register(KIND, queue="scoring")
def score(session: Session, job: Job) -> dict[str, Any]:
    """Score the evaluation with the tenant's enabled evaluators and settings."""
    evaluation = session.get(Evaluation, job.payload["evaluation_id"])
    if evaluation is None:
        raise LookupError(f"evaluation {job.payload['evaluation_id']} does not exist")
    if evaluation.report is None:
        evaluation.report = score_for_tenant(session, answer_of(evaluation)).as_dict()
        evaluation.finished_at = utcnow()
    return {"evaluation_id": evaluation.id, "overall": evaluation.report.get("overall")}
