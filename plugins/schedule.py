"""Periodic work without cron, every ``REMINDER_SECONDS``: the assignment reminders, on
Monday mornings the weekly digests (``aimi.tenants.digests``), and each college's daily
retention purge (staged by every tick, once a day per college: ``aimi.plugins.retention_jobs``).

With Redis, ``tick`` is an RQ job that schedules its successor (``enqueue_in``, kept in
RQ's scheduled-job registry and moved to the ``notifications`` queue when due by a worker
started ``--with-scheduler`` or by ``aimi scheduler``). Every worker and scheduler makes
sure one tick is scheduled when it starts and on each of its sweeps, so a tick lost with
a killed worker comes back. A tick's RQ id names its time slot: two schedulers (or a
tick and a restarted worker) scheduling the same slot make one job.

Without Redis, the web process runs the same tick on a daemon thread (started by the
first request, except under tests), together with the sweep of background jobs an
earlier process left unfinished.

Either way a reminder or a digest is sent once: its notification key (kind, assignment
or ISO week, recipient) is unique, so a second tick, or two at once, stage nothing new.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask import Flask
from rq.registry import ScheduledJobRegistry
from sqlalchemy.orm import Session

from aimi.platform.db import APP_KEY, tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.plugins import background, jobs, retention_jobs
from aimi.plugins import queue as rq_wiring

log = logging.getLogger(__name__)

REMINDER_SECONDS = 300
QUEUE = "notifications"
# A platform job, not a tenant's: a tenant job's RQ id is ``<slug>_<job id>``, and this
# one never holds "_".
TICK_PREFIX = "aimi-reminders-"
T = TypeVar("T")


def every_tenant(work: Callable[[Session, datetime], T], what: str) -> dict[str, T]:
    """Run ``work(session, now)`` for every active college; returns each one's result (a
    college that fails is logged, the others still run)."""
    now, results = utcnow(), {}
    for tenant in jobs.active_tenants():
        with tenant_scope(tenant):
            try:
                results[tenant.slug] = work(tenant_session(), now)
            except Exception as exc:
                tenant_session.rollback()
                log.error("%s of %s failed: %s", what, tenant.slug, exc)
    return results


def notify_every_tenant() -> dict[str, dict[str, int]]:
    """Stage the due-soon and overdue reminders, and the weekly digests when due, of every
    active college; returns how many of each every college told now."""
    from aimi.tenants import digests, notices

    def notify(session: Session, now: datetime) -> dict[str, int]:
        return {"reminders": notices.send_reminders(session, now),
                "digests": digests.send_digests(session, now)}

    return every_tenant(notify, "reminders or digests")


def stage_purges() -> dict[str, int]:
    """Stage today's retention purge of every college that has none yet."""
    return every_tenant(retention_jobs.stage_today, "retention purge")


def periodic_work() -> dict[str, dict[str, int]]:
    """What each tick does: remind and digest, and stage the day's purges; returns what
    was told."""
    told = notify_every_tenant()
    stage_purges()
    return told


def tick() -> dict[str, dict[str, int]]:
    """The RQ job: the periodic work, then schedule the next tick (whatever happened)."""
    try:
        return periodic_work()
    finally:
        schedule(rq_wiring.redis_url(), now=False)


def schedule(url: str, *, now: bool) -> str:
    """Schedule the tick of this period (``now``) or of the next one, at its start;
    returns its RQ id. Ticks of one period share their id, so they are one job."""
    clock = time.time()
    slot = int(clock // REMINDER_SECONDS) + (0 if now else 1)
    rq_id = f"{TICK_PREFIX}{slot}"
    rq_wiring.queue(QUEUE, url).enqueue_in(
        timedelta(seconds=0 if now else slot * REMINDER_SECONDS - clock), tick, job_id=rq_id,
        description="aimi: reminders and digests", result_ttl=rq_wiring.KEEP_SECONDS,
        failure_ttl=rq_wiring.KEEP_SECONDS)
    return rq_id


def ensure_scheduled(url: str) -> str | None:
    """Schedule a tick now unless one is scheduled or queued; returns the new one's id."""
    connection = rq_wiring.connection(url)
    waiting = [*ScheduledJobRegistry(QUEUE, connection=connection).get_job_ids(),
               *rq_wiring.queue(QUEUE, url).job_ids]
    if any(job_id.startswith(TICK_PREFIX) for job_id in waiting):
        return None
    return schedule(url, now=True)


_started: dict[int, threading.Event] = {}
_started_lock = threading.Lock()


def start_in_process(app: Flask, *, reminder_seconds: float = REMINDER_SECONDS,
                     sweep_seconds: float = rq_wiring.SWEEP_SECONDS) -> threading.Event | None:
    """Start the web process's beat (once per app): sweep unfinished background jobs
    every ``sweep_seconds`` and remind every ``reminder_seconds``, until stopped or the
    app's database is closed. Returns the event that stops it, or None when it runs already."""
    with _started_lock:
        if id(app) in _started:
            return None
        stop = _started[id(app)] = threading.Event()
    threading.Thread(target=_beat, args=(app, reminder_seconds, sweep_seconds, stop),
                     name="aimi-beat", daemon=True).start()
    return stop


def _beat(app: Flask, reminder_seconds: float, sweep_seconds: float, stop: threading.Event) -> None:
    next_reminders, database = 0.0, app.extensions[APP_KEY]
    while not stop.is_set() and not database.closed:
        try:
            background.sweep(app)
            if time.monotonic() >= next_reminders:
                next_reminders = time.monotonic() + reminder_seconds
                with app.app_context():
                    periodic_work()
        except Exception as exc:  # the database away for now: try at the next beat
            log.warning("in-process beat failed: %s", exc)
        stop.wait(sweep_seconds)
    with _started_lock:
        _started.pop(id(app), None)
