"""Background jobs: a ``Job`` row in the tenant schema, run by RQ or in-process.

The row is written (and committed) before the work is queued, so a lost worker or a
flushed Redis loses nothing, and it is the only status the UI and API read. ``run_job``
is what a worker executes: it looks the tenant up, runs in a fresh context with that
tenant set (django-multitenant #213: never inherit the previous job's tenant), claims
the row so a duplicated delivery runs nothing twice, runs the handler of the job's kind
and commits the handler's writes together with ``done``. Transient errors are retried
with backoff (RQ's ``Retry``; in-process, at once and a bounded number of times); any
other error, or the last failed attempt, leaves the job ``failed`` with its error, for a
tenant admin to see and re-run.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from rq.job import Job as RQJob
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from aimi.platform.db import Database, current_db, tenant_scope, tenant_session, use_database
from aimi.platform.tenancy import TenantRef
from aimi.platform.timeutil import utcnow
from aimi.plugins import background
from aimi.plugins import queue as rq_wiring
from aimi.plugins.types import TransientJobError
from aimi.tenants import registry
from aimi.tenants.models import Job

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_BACKOFF = (10, 60)  # seconds before the 2nd and 3rd attempt (RQ's scheduler waits them)
# Modules whose handlers are built in; imported on first use, so a worker knows them.
BUILTIN_HANDLER_MODULES = ("aimi.plugins.evaluations", "aimi.plugins.answer_scoring",
                           "aimi.plugins.speech_jobs", "aimi.plugins.calibration_jobs",
                           "aimi.plugins.notification_jobs", "aimi.plugins.export_jobs",
                           "aimi.plugins.retention_jobs")


class JobError(ValueError):
    """A job cannot do what was asked (e.g. re-run a job that is still running)."""


RETRYABLE = (TransientJobError, OperationalError, ConnectionError, RedisConnectionError)

Handler = Callable[[Session, Job], dict | None]


@dataclass(frozen=True)
class JobKind:
    handler: Handler
    queue: str


_kinds: dict[str, JobKind] = {}


def register(kind: str, *, queue: str = "default") -> Callable[[Handler], Handler]:
    """Declare ``handler(session, job) -> result`` as the code that runs jobs of ``kind``.
    It runs with the job's tenant in context; its writes commit with the job's ``done``,
    and it must be idempotent (a re-run after a lost worker calls it again)."""
    if queue not in rq_wiring.QUEUES:
        raise ValueError(f"unknown queue {queue!r}; the queues are: {', '.join(rq_wiring.QUEUES)}")

    def decorator(handler: Handler) -> Handler:
        _kinds[kind] = JobKind(handler, queue)
        return handler

    return decorator


def kind_of(name: str) -> JobKind:
    for module in BUILTIN_HANDLER_MODULES:
        importlib.import_module(module)
    try:
        return _kinds[name]
    except KeyError:
        raise JobError(f"no handler for jobs of kind {name!r}") from None


# -- Creating and queueing ------------------------------------------------------------


def stage(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    created_by: int | None = None,
) -> tuple[Job, bool]:
    """Add a job to ``session`` (the caller commits, then calls ``dispatch``), or find the
    one already made under ``idempotency_key``; the flag says whether it is new."""
    if idempotency_key:
        existing = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
        if existing is not None:
            return existing, False
    job_id = uuid.uuid4().hex
    job = Job(id=job_id, kind=kind, queue=kind_of(kind).queue, status="queued",
              idempotency_key=idempotency_key or f"{kind}:{job_id}", payload=payload,
              attempts=0, max_attempts=MAX_ATTEMPTS, last_error="", created_by=created_by)
    session.add(job)
    return job, True


def enqueue(
    kind: str,
    payload: dict[str, Any],
    *,
    tenant: TenantRef,
    idempotency_key: str | None = None,
    created_by: int | None = None,
) -> Job:
    """Write the job row in its own transaction, then queue it; a known idempotency key
    returns the job made the first time instead of a new one."""
    with session_for(tenant) as session:
        try:
            job, created = stage(session, kind, payload, idempotency_key=idempotency_key,
                                 created_by=created_by)
            session.commit()
        except IntegrityError:  # the same key, committed by a concurrent caller
            session.rollback()
            job, created = stage(session, kind, payload, idempotency_key=idempotency_key)
    if created:
        dispatch(tenant, job)
    return get(tenant, job.id)


def dispatch_after_commit(session: Session, tenant: TenantRef, job: Job) -> None:
    """Dispatch a staged job once ``session`` commits (never if it rolls back): for causes
    whose commit is not ours to make, e.g. Flask-Security's mails or a job's own writes."""
    session.info.setdefault(_AFTER_COMMIT, []).append((tenant, job.id))


_AFTER_COMMIT = "aimi_jobs_after_commit"


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session: Session) -> None:
    for tenant, job_id in session.info.pop(_AFTER_COMMIT, []):
        dispatch(tenant, get(tenant, job_id))


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def get(tenant: TenantRef, job_id: str) -> Job:
    """A fresh, detached copy of a job row."""
    with session_for(tenant) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise JobError(f"no job {job_id}")
        return job


def dispatch(tenant: TenantRef, job: Job) -> None:
    """Hand a committed, queued job to RQ, or run it here and now when there is no Redis.
    A queue that cannot be reached leaves the job queued, saying so; ``sweep`` sends it
    when Redis answers again."""
    url = rq_wiring.redis_url()
    if not url:
        if job.queue in background.QUEUES:  # after the response, never inside the request
            background.submit(Origin.here(), tenant.slug, job.id)
        else:
            run_here(tenant.slug, job.id)
        return
    try:
        _to_rq(url, tenant.slug, job)
    except RedisError as exc:
        log.error("could not queue job %s of %s: %s", job.id, tenant.slug, exc)
        with session_for(tenant) as session:  # stays queued: the workers' sweep sends it later
            _settle(session, job.id, "queued", f"Waiting for the job queue, which could not be reached "
                                               f"({exc}); it is sent as soon as the queue is back.")


def _to_rq(url: str, slug: str, job: Job) -> None:
    connection = rq_wiring.connection(url)
    rq_id = rq_wiring.rq_job_id(slug, job.id)
    if RQJob.exists(rq_id, connection):  # an earlier run's record: a re-run replaces it
        RQJob.fetch(rq_id, connection=connection).delete()
    rq_wiring.queue(job.queue, url).enqueue_call(
        run_job, args=(slug, job.id), job_id=rq_id, description=f"{slug}: {job.kind} {job.id}",
        retry=Retry(max=MAX_ATTEMPTS - 1, interval=list(RETRY_BACKOFF)),
        result_ttl=rq_wiring.KEEP_SECONDS, failure_ttl=rq_wiring.KEEP_SECONDS,
    )


def run_here(tenant_slug: str, job_id: str) -> None:
    """Run a job in this process and wait for it: in a thread of its own, so it gets its
    own database session and an empty context, exactly as on a worker."""
    thread = threading.Thread(target=Origin.here().run, args=(run_with_retries, tenant_slug, job_id),
                              name=f"aimi-job-{job_id}")
    thread.start()
    thread.join()


def run_with_retries(tenant_slug: str, job_id: str, *, heartbeat: bool = False) -> None:
    """Run a job in this process, trying a transient failure again at once (in-process
    jobs have no scheduler to wait a back-off). ``heartbeat`` for jobs that outlive a
    request (the background pool), so a process that dies with them is noticed."""
    for _attempt in range(MAX_ATTEMPTS):
        try:
            run_job(tenant_slug, job_id, heartbeat=heartbeat)
            return
        except RETRYABLE:
            continue  # the row says queued again, or failed after the last attempt
        except Exception:
            return  # recorded on the row (and logged) by run_job


# -- Running (on the worker) -----------------------------------------------------------


def run_job(tenant_slug: str, job_id: str, *, heartbeat: bool = False) -> str | None:
    """What the worker executes: the job, in a context that starts with no tenant and
    whose tenant is gone when it ends, whatever happens. Returns the final status, or
    None when there was nothing to run (already done, failed, or running elsewhere)."""
    rq_job = get_current_job()
    return contextvars.Context().run(Origin.here().run, _run, tenant_slug, job_id, rq_job,
                                     heartbeat or rq_job is not None)


@dataclass(frozen=True)
class Origin:
    """Where a job is handed on from: the app in context (the worker's, or the request's
    that queued it), else none (a script or test) and the database it bound. A thread or
    an empty context starts with neither, so work run from here gets them back."""

    app: Flask | None
    database: Database

    @classmethod
    def here(cls) -> Origin:
        app = current_app._get_current_object() if has_app_context() else None
        return cls(app, current_db())

    def run(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run ``work`` inside the app's context, so plugins read its settings (e.g. where
        files live) and its database as in a request."""
        with use_database(self.database):
            if self.app is None:
                return work(*args)
            with self.app.app_context():
                return work(*args)


def _run(tenant_slug: str, job_id: str, rq_job: RQJob | None, heartbeat: bool) -> str | None:
    tenant = registry.by_slug(tenant_slug)
    if tenant is None:
        _no_more_retries(rq_job)
        raise JobError(f"no college {tenant_slug!r}: job {job_id} cannot run")
    with tenant_scope(tenant):
        session = tenant_session()
        if not tenant.active:
            if session.scalar(select(Job.status).where(Job.id == job_id)) == "queued":
                _settle(session, job_id, "failed", "The college is suspended; re-run this job "
                                                   "after it is resumed.")
            _no_more_retries(rq_job)
            raise JobError(f"college {tenant_slug} is suspended: job {job_id} refused")
        job = _claim(session, job_id)
        if job is None:
            log.info("job %s of %s: nothing to run (done, failed or running)", job_id, tenant_slug)
            return None
        try:
            with _heartbeat(tenant, job_id, on_worker=heartbeat):
                result = kind_of(job.kind).handler(session, job)
        except Exception as exc:
            session.rollback()
            again = isinstance(exc, RETRYABLE) and job.attempts < job.max_attempts
            _settle(session, job_id, "queued" if again else "failed", f"{type(exc).__name__}: {exc}")
            if not again:
                _no_more_retries(rq_job)
            log.warning("job %s of %s (%s) failed, attempt %s of %s: %s", job_id, tenant_slug,
                        job.kind, job.attempts, job.max_attempts, exc)
            raise
        job.status, job.result, job.last_error, job.finished_at = "done", result, "", utcnow()
        session.commit()
        return "done"


def dead(now: datetime):
    """The condition of a job whose worker stopped writing its heartbeat."""
    silent_since = func.coalesce(Job.heartbeat_at, Job.started_at)
    return and_(Job.status == "running", silent_since < now - timedelta(seconds=rq_wiring.DEAD_AFTER))


@contextmanager
def _heartbeat(tenant: TenantRef, job_id: str, on_worker: bool) -> Iterator[None]:
    """On a worker, write the job's heartbeat every few seconds while its handler runs (in
    a session of its own), so a killed worker's job is known dead within a minute. In-process
    jobs die with the request that runs them and need none. The beat is stopped, not waited
    for: it may be blocked behind the handler's own uncommitted writes (SQLite locks the
    file), and a beat that lands after the job ended matches no running row."""
    if not on_worker:
        yield
        return
    stop, database = threading.Event(), current_db()  # the thread starts with no context

    def beat() -> None:
        while not stop.wait(rq_wiring.HEARTBEAT_SECONDS):
            try:
                with session_for(tenant, database) as session:
                    session.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                                    .values(heartbeat_at=utcnow()))
                    session.commit()
            except Exception as exc:  # a missed beat is retried at the next one
                log.warning("heartbeat of job %s of %s not written: %s", job_id, tenant.slug, exc)

    threading.Thread(target=beat, name=f"aimi-heartbeat-{job_id}", daemon=True).start()
    try:
        yield
    finally:
        stop.set()


def _claim(session: Session, job_id: str) -> Job | None:
    """Mark the job running if it is queued (or was left running by a dead worker), in
    one conditional UPDATE, so two deliveries of one job never both run it."""
    now = utcnow()
    claimable = or_(Job.status == "queued", dead(now))
    claimed = session.execute(
        update(Job).where(Job.id == job_id, claimable)
        .values(status="running", attempts=Job.attempts + 1, started_at=now, heartbeat_at=now,
                finished_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return session.get(Job, job_id) if claimed == 1 else None


def _settle(session: Session, job_id: str, status: str, error: str) -> None:
    job = session.get(Job, job_id)
    if job is None:
        return
    job.status, job.last_error = status, error[:2000]
    job.finished_at = utcnow() if status == "failed" else None
    session.commit()


def _no_more_retries(rq_job: RQJob | None) -> None:
    """Tell RQ not to retry: the failure is final (our row already says so)."""
    if rq_job is not None:
        rq_job.retries_left = 0


# -- Seeing and re-running -------------------------------------------------------------


def stalled(job: Job) -> bool:
    """Running, but its worker stopped writing the heartbeat: the worker died with it."""
    silent_since = job.heartbeat_at or job.started_at
    return (job.status == "running" and silent_since is not None
            and silent_since < utcnow() - timedelta(seconds=rq_wiring.DEAD_AFTER))


# -- The sweep (on every worker) -------------------------------------------------------


LIVE_RQ_STATUSES = frozenset({"queued", "started", "scheduled", "deferred"})


def _in_rq(connection: Any, slug: str, job_id: str) -> bool:
    rq_id = rq_wiring.rq_job_id(slug, job_id)
    if not RQJob.exists(rq_id, connection):
        return False
    status = RQJob.fetch(rq_id, connection=connection).get_status()
    return str(getattr(status, "value", status)) in LIVE_RQ_STATUSES


def sweep(url: str) -> list[str]:
    """Queue what should be in the queue and is not: jobs staged while Redis was down,
    and jobs whose worker died (their heartbeat went silent). ``_claim`` makes a second
    delivery run nothing, so the effect stays once. Returns ``<slug>:<job id>`` of each."""
    connection, now, sent = rq_wiring.connection(url), utcnow(), []
    waiting = or_(and_(Job.status == "queued",
                       Job.created_at < now - timedelta(seconds=rq_wiring.SWEEP_GRACE)), dead(now))
    for tenant in active_tenants():
        with session_for(tenant) as session:
            found = session.scalars(select(Job).where(waiting)).all()
        for job in found:
            if job.status == "queued" and _in_rq(connection, tenant.slug, job.id):
                continue
            _to_rq(url, tenant.slug, job)
            sent.append(f"{tenant.slug}:{job.id}")
            log.info("sweep queued job %s of %s (%s)", job.id, tenant.slug, job.status)
    return sent


def active_tenants() -> list[TenantRef]:
    from aimi.platform.models import Tenant

    with Session(bind=current_db().platform_engine) as session:
        return [row.ref() for row in session.scalars(select(Tenant).where(Tenant.status == "active"))]


def can_rerun(job: Job) -> bool:
    return job.status == "failed" or stalled(job)


def rerun(job: Job) -> None:
    """Put a failed (or stalled) job back to queued with fresh attempts; the caller
    audits, commits, then calls ``dispatch``. Handlers are idempotent, so work that was
    done before a worker died is not done twice."""
    if not can_rerun(job):
        raise JobError(f"job {job.id} is {job.status}; only failed or stalled jobs can be re-run")
    job.status, job.attempts, job.last_error = "queued", 0, ""
    job.started_at = job.finished_at = None


def session_for(tenant: TenantRef, database: Database | None = None) -> Session:
    """A session of its own on the tenant's database (the one in context unless given),
    apart from the caller's unit of work (a request's session must not commit a job's
    bookkeeping, nor the reverse)."""
    return Session(bind=(database or current_db()).tenant_engine(tenant), expire_on_commit=False)
