"""Jobs run in this process but never inside a web request: the in-process stand-in for
the ``notifications`` queue when no Redis is configured (``make demo``, SQLite defaults).

A request stages its job rows and commits; ``jobs.dispatch`` then hands each job to
this module's thread pool, so the response goes out before any mail is fanned out or
sent. Nothing is lost when the process dies: the rows stay ``queued`` (or ``running``
with a silent heartbeat) and ``sweep`` runs them again in the next process; ``_claim``
makes a job that was already run run nothing.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import and_, or_, select

from aimi.platform.timeutil import utcnow
from aimi.plugins import queue as rq_wiring

if TYPE_CHECKING:  # jobs imports this module
    from aimi.plugins.jobs import Origin

log = logging.getLogger(__name__)

# The queues whose in-process jobs run here, after the request; the others (scoring,
# speech) still run where they are dispatched, as their pages wait for the result.
QUEUES = frozenset({"notifications"})
THREADS = 4

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: dict[str, Future] = {}
_idle = threading.Condition(_lock)


def submit(origin: Origin, tenant_slug: str, job_id: str) -> bool:
    """Run the job on the pool, in an empty context of its own (as on a worker) given back
    ``origin``'s app and database; False when it is waiting in the pool already."""
    from aimi.plugins import jobs

    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(THREADS, thread_name_prefix="aimi-background")
        key = f"{tenant_slug}:{job_id}"
        if key in _pending:  # waiting in the pool already (a sweep found it queued)
            return False
        run = functools.partial(jobs.run_with_retries, heartbeat=True)
        future = _executor.submit(contextvars.Context().run, origin.run, run, tenant_slug, job_id)
        _pending[key] = future
    future.add_done_callback(functools.partial(_finished, key))
    return True


def _finished(key: str, future: Future) -> None:
    with _lock:
        _pending.pop(key, None)
        if not _pending:
            _idle.notify_all()
    if future.exception() is not None:
        log.error("background job failed: %s", future.exception())


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until every submitted job (and the jobs they submitted) finished; False when
    ``timeout`` passed first. For tests, benchmarks and an orderly shutdown."""
    with _lock:
        return _idle.wait_for(lambda: not _pending, timeout=timeout)


def pending() -> int:
    with _lock:
        return len(_pending)


def sweep(app: Flask) -> list[str]:
    """Run what an earlier process staged and did not finish: background jobs queued for
    longer than ``SWEEP_GRACE``, or left running by a process that died. Returns
    ``<slug>:<job id>`` of each."""
    from aimi.plugins import jobs
    from aimi.tenants.models import Job

    now, sent = utcnow(), []
    waiting = and_(Job.queue.in_(QUEUES), or_(
        and_(Job.status == "queued", Job.created_at < now - timedelta(seconds=rq_wiring.SWEEP_GRACE)),
        jobs.dead(now)))
    with app.app_context():
        origin = jobs.Origin.here()
        for tenant in jobs.active_tenants():
            with jobs.session_for(tenant) as session:
                found = session.scalars(select(Job.id).where(waiting)).all()
            sent += [f"{tenant.slug}:{job_id}" for job_id in found if submit(origin, tenant.slug, job_id)]
    return sent
