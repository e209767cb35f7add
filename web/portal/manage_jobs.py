"""Tenant admin: background jobs with their status, and "Re-run" for the failed ones."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from aimi.platform.db import tenant_session
from aimi.plugins import jobs
from aimi.tenants import accounts, job_log
from aimi.tenants.models import JOB_STATUSES, Job
from aimi.web.pagination import paginate
from aimi.web.portal.manage import admin_view, bp, record


@bp.get("/jobs", endpoint="jobs")
@admin_view
def job_list() -> ResponseReturnValue:
    """Newest first, optionally one status; shows who asked and why a job failed."""
    session = tenant_session()
    status = request.args.get("status", "")
    if status not in JOB_STATUSES:
        status = ""
    page = paginate(session, job_log.listing(status))
    people = accounts.emails_by_id(session, {job.created_by for job in page.items if job.created_by})
    busy = any(job.status in ("queued", "running") for job in page.items)
    return render_template("manage/jobs.html", page=page, status=status, statuses=JOB_STATUSES,
                           people=people, can_rerun=jobs.can_rerun, stalled=jobs.stalled, busy=busy)


@bp.post("/jobs/<job_id>/rerun")
@admin_view
def rerun_job(job_id: str) -> ResponseReturnValue:
    """Queue a failed (or stalled) job again, with fresh attempts; audited."""
    session = tenant_session()
    job = session.get(Job, job_id)
    if job is None:
        abort(404, "There is no such job in your college.")
    before = {"status": job.status, "attempts": job.attempts, "last_error": job.last_error}
    try:
        jobs.rerun(job)
    except jobs.JobError as exc:
        flash(str(exc), "error")
        return redirect(url_for("manage.jobs"))
    record(session, "job.rerun", target_type="job", target_id=job.id,
           details={"kind": job.kind, **before})
    session.commit()
    jobs.dispatch(g.tenant, job)
    flash(f"Job {job.kind} ({job.id[:8]}) queued again. Refresh to follow its progress.", "success")
    return redirect(url_for("manage.jobs"))
