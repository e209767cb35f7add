"""The background jobs an admin follows on the jobs page (running and re-running them is
``aimi.plugins.jobs``)."""

from __future__ import annotations

from sqlalchemy import Select, select

from aimi.tenants.models import JOB_STATUSES, Job


def listing(status: str = "") -> Select:
    """Jobs newest first, only those in ``status`` when it is a job status."""
    stmt = select(Job).order_by(Job.created_at.desc(), Job.id)
    if status in JOB_STATUSES:
        stmt = stmt.where(Job.status == status)
    return stmt
