"""The ``export_candidate_data`` job (``default`` queue): a candidate's zip, built and
stored by ``aimi.tenants.data_export``, the candidate notified when it is ready."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from aimi.plugins import jobs
from aimi.tenants import data_export
from aimi.tenants.models import Job, User


@jobs.register(data_export.EXPORT_KIND, queue="default")
def export(session: Session, job: Job) -> dict[str, Any]:
    user = session.get(User, job.payload["user_id"])
    if user is None or user.id != job.created_by:
        raise LookupError(f"user {job.payload['user_id']} does not exist or did not ask for this export")
    return data_export.build(session, user, job)
