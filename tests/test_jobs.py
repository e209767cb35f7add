"""Jobs on real RQ workers over Redis and in-process: retries with backoff, failures an
admin sees and re-runs, a worker lost mid-job, duplicated deliveries, the tenant context
around every job, and the worker and scheduler commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import csrf_token
from job_helpers import SAMPLE, drain, queued_ids, redis_app, settle
from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.tenancy import current_tenant, maybe_current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import evaluations, jobs
from aimi.plugins import queue as rq_wiring
from aimi.plugins.worker import scheduler_command, worker_command
from aimi.tenants import provisioning, registry
from aimi.tenants.models import AuditLog, Evaluation, Job, User

FIXED: set[str] = set()  # tokens whose "cause" a test has fixed


@jobs.register("test_flaky")
def flaky(session, job: Job) -> dict:
    """Fails transiently until its attempt number reaches ``succeed_on``."""
    if job.attempts < job.payload["succeed_on"]:
        raise jobs.TransientJobError(f"provider busy on attempt {job.attempts}")
    return {"attempt": job.attempts}


@jobs.register("test_broken")
def broken(session, job: Job) -> dict:
    """Keeps failing (transiently, so it is retried) until its cause is fixed."""
    if job.payload["token"] not in FIXED:
        raise jobs.TransientJobError("the mail server refuses us")
    return {"fixed": True}


@jobs.register("test_crash")
def crash(session, job: Job) -> None:
    raise ValueError("a bug in the handler")


@jobs.register("test_dies")
def dies(session, job: Job) -> None:
    raise SystemExit("the worker process is killed")


@jobs.register("test_peek", queue="notifications")
def peek(session, job: Job) -> dict:
    """What a job can see: its tenant and that tenant's users."""
    return {"tenant": current_tenant().slug, "emails": sorted(session.scalars(select(User.email)))}


def token() -> str:
    return uuid.uuid4().hex


def row(job_id: str, slug: str = "alpha") -> Job | None:
    with tenant_scope(registry.by_slug(slug)):
        found = tenant_session.get(Job, job_id)
        tenant_session.expunge_all()
        return found


@pytest.fixture(params=["in-process", "redis"])
def mode(request, world):
    """Run a test with jobs in-process (no Redis) and on a real RQ worker over Redis;
    yields (app, drain) where drain() runs what is queued."""
    if request.param == "in-process":
        yield world.app, settle  # the notifications queue runs on the background pool
        return
    url = request.getfixturevalue("redis_url")
    with redis_app(world, url) as app:
        yield app, lambda: drain(url)


def enqueue(app, kind: str, payload: dict, slug: str = "alpha", **kw) -> Job:
    """Queue a job the way web code does: inside an app, which says whether Redis is used."""
    with app.app_context():
        return jobs.enqueue(kind, payload, tenant=registry.by_slug(slug), **kw)


def test_transient_errors_are_retried_then_succeed(world, mode, monkeypatch):
    app, run = mode
    monkeypatch.setattr(jobs, "RETRY_BACKOFF", (1, 1))
    job = enqueue(app, "test_flaky", {"succeed_on": 2})
    run()  # the first attempt fails; RQ schedules the retry a second later
    if app is not world.app:
        waiting = row(job.id)
        assert (waiting.status, waiting.attempts) == ("queued", 1)
        assert "provider busy on attempt 1" in waiting.last_error
        deadline = time.monotonic() + 15  # the retry is due after a second: poll, do not guess
        while row(job.id).status != "done":
            assert time.monotonic() < deadline, "the scheduled retry never ran"
            assert app.test_cli_runner().invoke(scheduler_command, ["--burst"]).exit_code == 0
            run()
            time.sleep(0.1)
    done = row(job.id)
    assert (done.status, done.attempts, done.result, done.last_error) == ("done", 2, {"attempt": 2}, "")
    assert done.started_at <= done.finished_at


def test_a_job_that_keeps_failing_is_shown_and_rerun_by_an_admin(world, mode, monkeypatch):
    app, run = mode
    monkeypatch.setattr(jobs, "RETRY_BACKOFF", (0, 0))  # RQ re-queues at once, no scheduler needed
    cause = token()
    job = enqueue(app, "test_broken", {"token": cause})
    run()
    failed = row(job.id)
    assert (failed.status, failed.attempts) == ("failed", jobs.MAX_ATTEMPTS)
    assert "the mail server refuses us" in failed.last_error and failed.finished_at

    admin = world.login("alpha", "admin", client=app.test_client())
    page = admin.get("/t/alpha/manage/jobs?status=failed")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'id="job-{job.id}"' in html
    assert "the mail server refuses us" in html and "Re-run" in html
    mentor = world.login("alpha", "mentor", client=app.test_client())
    assert mentor.get("/t/alpha/manage/jobs").status_code == 403

    FIXED.add(cause)
    resp = admin.post(f"/t/alpha/manage/jobs/{job.id}/rerun", data={"csrf_token": csrf_token(html)})
    assert resp.status_code == 302
    run()
    done = row(job.id)
    assert (done.status, done.attempts, done.result) == ("done", 1, {"fixed": True})
    with tenant_scope(world.tenants["alpha"]):
        entry = tenant_session.scalar(select(AuditLog).where(AuditLog.action == "job.rerun",
                                                             AuditLog.target_id == job.id))
        assert entry.actor_email == world.email("alpha", "admin")
        assert entry.details["status"] == "failed"
    again = admin.post(f"/t/alpha/manage/jobs/{job.id}/rerun", data={"csrf_token": csrf_token(html)})
    assert "only failed or stalled jobs" in admin.get(again.headers["Location"]).get_data(as_text=True)
    assert row(job.id).status == "done"


def test_rerun_needs_csrf_and_stays_in_its_college(world):
    job = enqueue(world.app, "test_crash", {})
    assert row(job.id).status == "failed"
    admin = world.login("alpha", "admin")
    assert admin.post(f"/t/alpha/manage/jobs/{job.id}/rerun").status_code in (400, 403)
    html = admin.get("/t/alpha/manage/jobs").get_data(as_text=True)
    beta_job = enqueue(world.app, "test_crash", {}, slug="beta")
    resp = admin.post(f"/t/alpha/manage/jobs/{beta_job.id}/rerun", data={"csrf_token": csrf_token(html)})
    assert resp.status_code == 404
    assert row(beta_job.id, "beta").status == "failed"
    assert row(job.id).status == "failed"


def test_a_bug_fails_at_once_without_retries(world, mode):
    app, run = mode
    job = enqueue(app, "test_crash", {})
    run()
    failed = row(job.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "ValueError: a bug in the handler"


def test_worker_lost_mid_job_loses_nothing_and_scores_once(world, redis_url):
    with redis_app(world, redis_url) as app:
        made = app.test_client().post("/t/alpha/api/v1/evaluations", json=SAMPLE, headers={
            "Authentication-Token": world.token("alpha", "mentor")}).get_json()
        job_id = made["job"]["id"]
        # A worker took the job, marked it running, and was killed before committing
        # anything else; RQ's record of it went with the worker.
        rq_wiring.queue("scoring", redis_url).remove(f"alpha_{job_id}")
        with tenant_scope(world.tenants["alpha"]):
            job = tenant_session.get(Job, job_id)
            job.status, job.attempts = "running", 1
            job.started_at = utcnow() - timedelta(seconds=rq_wiring.STALE_AFTER + 5)
            tenant_session.commit()
        drain(redis_url)
        assert row(job_id).status == "running"  # nothing ran it behind our back

        admin = world.login("alpha", "admin", client=app.test_client())
        html = admin.get("/t/alpha/manage/jobs").get_data(as_text=True)
        assert "stalled" in html
        admin.post(f"/t/alpha/manage/jobs/{job_id}/rerun", data={"csrf_token": csrf_token(html)})
        drain(redis_url)
        with tenant_scope(world.tenants["alpha"]):
            first = tenant_session.get(Evaluation, made["id"])
            report, finished = first.report, first.finished_at
        assert report["dimensions"] and row(job_id).status == "done"

        # A duplicated delivery, and a direct second run: nothing is scored again.
        with app.app_context():
            jobs.dispatch(world.tenants["alpha"], row(job_id))
        drain(redis_url)
        assert jobs.run_job("alpha", job_id) is None
        with tenant_scope(world.tenants["alpha"]):
            again = tenant_session.get(Evaluation, made["id"])
            assert (again.report, again.finished_at) == (report, finished)
        assert row(job_id).attempts == 1


def test_rerun_of_an_evaluation_with_a_report_does_not_score_again(world):
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        author = session.scalar(select(User.id).where(User.email == world.email("alpha", "mentor")))
        evaluation, _ = evaluations.submit(session, SAMPLE, user_id=author)
        evaluation.report = {"overall": 1.0, "dimensions": {}, "marker": "kept"}
        evaluation.job.status = "failed"  # e.g. the worker died after storing the report
        session.commit()
        job_id, evaluation_id = evaluation.job.id, evaluation.id
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        job = session.get(Job, job_id)
        jobs.rerun(job)
        session.commit()
        jobs.dispatch(world.tenants["alpha"], job)
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Evaluation, evaluation_id).report["marker"] == "kept"
    assert row(job_id).status == "done"


def test_tenant_context_is_clean_after_jobs_even_failing_ones(world):
    assert maybe_current_tenant() is None
    for kind, raises in (("test_peek", None), ("test_crash", ValueError), ("test_dies", SystemExit)):
        job = jobs.get(world.tenants["alpha"], enqueue_only(world, kind))
        if raises:
            with pytest.raises(raises):
                jobs.run_job("alpha", job.id)
        else:
            assert jobs.run_job("alpha", job.id) == "done"
        assert maybe_current_tenant() is None, kind
    # the dying worker left its job running (and so re-runnable once stale)
    assert row(job.id).status == "running"


def enqueue_only(world, kind: str) -> str:
    """Write a job row without running it, as a web process would before queueing."""
    with tenant_scope(world.tenants["alpha"]):
        job, _created = jobs.stage(tenant_session(), kind, {})
        tenant_session.commit()
        return job.id


def test_a_job_for_alpha_sees_only_alpha(world, mode):
    app, run = mode
    job = enqueue(app, "test_peek", {})
    run()
    done = row(job.id)
    assert done.status == "done" and done.result["tenant"] == "alpha"
    emails = done.result["emails"]
    assert world.email("alpha", "admin") in emails
    assert not any(e.endswith("@beta.example.com") for e in emails)
    assert row(job.id, "beta") is None


def test_idempotency_key_gives_back_the_first_job(world, mode):
    app, run = mode
    key = f"digest:{token()}"
    first = enqueue(app, "test_peek", {}, idempotency_key=key)
    second = enqueue(app, "test_peek", {"other": True}, idempotency_key=key)
    run()
    assert second.id == first.id and row(first.id).payload == {}
    assert row(first.id).status == "done"


def test_redis_job_ids_carry_the_tenant(world, redis_url):
    with redis_app(world, redis_url) as app:
        job = enqueue(app, "test_peek", {}, slug="beta")
        assert f"beta_{job.id}" in queued_ids(redis_url, "notifications")
        drain(redis_url)
    assert row(job.id, "beta").result["tenant"] == "beta"


def test_suspended_college_jobs_are_refused(world, redis_url):
    slug = f"jobs-{token()[:6]}"
    world.new_tenant(slug)
    with redis_app(world, redis_url) as app:
        job = enqueue(app, "test_peek", {}, slug=slug)
        provisioning.set_status(slug, "suspended")
        try:
            drain(redis_url)
        finally:
            provisioning.set_status(slug, "active")
    refused = row(job.id, slug)
    assert refused.status == "failed" and "suspended" in refused.last_error


def test_unreachable_queue_leaves_the_job_waiting_and_says_so(world):
    """The sweep sends it when Redis is back (tests/test_faults.py)."""
    with world.app_with(redis_url="redis://127.0.0.1:1/0") as app:
        job = enqueue(app, "test_peek", {})
    waiting = row(job.id)
    assert waiting.status == "queued" and "queue, which could not be reached" in waiting.last_error
    with tenant_scope(registry.by_slug("alpha")):  # not left for other tests' workers to sweep
        tenant_session.delete(tenant_session.get(Job, job.id))
        tenant_session.commit()


def test_worker_command_needs_redis_and_known_queues(world, redis_url):
    result = world.app.test_cli_runner().invoke(worker_command, ["--burst"])
    assert result.exit_code == 1 and "AIMI_REDIS_URL is not set" in result.output
    with redis_app(world, redis_url) as app:
        result = app.test_cli_runner().invoke(worker_command, ["--burst", "--queues", "scoring,mail"])
        assert result.exit_code == 2 and "mail" in result.output


def test_aimi_worker_process_scores_over_redis(world, redis_url):
    """The real thing: the API queues, `aimi worker --burst` (its own process) scores."""
    with redis_app(world, redis_url) as app:
        headers = {"Authentication-Token": world.token("alpha", "mentor")}
        made = app.test_client().post("/t/alpha/api/v1/evaluations", json=SAMPLE, headers=headers)
        assert made.get_json()["status"] == "queued"
        settings = world.settings
        env = {**os.environ, "AIMI_DATABASE_URL": settings.database_url, "AIMI_REDIS_URL": redis_url,
               "AIMI_INSTANCE_PATH": str(settings.instance_path), "AIMI_ENV": "testing",
               "AIMI_SECRET_KEY": settings.secret_key, "AIMI_BASE_DOMAIN": settings.base_domain,
               "AIMI_LOG_JSON": "0"}
        aimi = Path(sys.executable).with_name("aimi")
        proc = subprocess.run([str(aimi), "worker", "--burst", "--queues", "scoring,default"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        got = app.test_client().get(made.headers["Location"], headers=headers).get_json()
        assert got["status"] == "done", got["job"]
        assert got["report"]["dimensions"]["content"]["evidence"]
