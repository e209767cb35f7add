"""The daily ``retention_purge`` job of each college (``default`` queue): warn candidates
nearing the college's retention period, erase those whose warning ran out and delete
expired export files (``aimi.tenants.retention``). The scheduler's tick stages it
(``stage_today``): its idempotency key names the day, so however many ticks, workers or
schedulers run, a college has one purge a day, retried and re-run like any job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.plugins import jobs
from aimi.tenants import retention
from aimi.tenants import settings as tenant_settings
from aimi.tenants.models import Job

PURGE_KIND = "retention_purge"


@jobs.register(PURGE_KIND, queue="default")
def purge(session: Session, job: Job) -> dict[str, Any]:
    portal = f"{current_app.extensions['aimi_settings'].public_url}/t/{current_tenant().slug}"
    done = retention.purge(session, tenant_settings.load(session), portal_url=portal)
    return {"erased": len(done.accounts), "warned": len(done.warned), "exports": done.exports}


def stage_today(session: Session, now: datetime) -> int:
    """Stage (committed) and dispatch today's purge of the college in context, unless it
    was staged already; returns 1 when this call staged it."""
    try:
        job, created = jobs.stage(session, PURGE_KIND, {}, idempotency_key=f"{PURGE_KIND}:{now:%Y-%m-%d}")
        session.commit()
    except IntegrityError:  # a tick elsewhere staged it first
        session.rollback()
        return 0
    if created:
        jobs.dispatch(current_tenant(), job)
    return int(created)
