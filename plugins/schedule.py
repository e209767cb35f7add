"""Periodic work without cron: the assignment reminders, every ``REMINDER_SECONDS``.

With Redis, ``tick`` is an RQ job that schedules its successor (``enqueue_in``, kept in
RQ's scheduled-job registry and moved to the ``notifications`` queue when due by a worker
started ``--with-scheduler`` or by ``aimi scheduler``). Every worker and scheduler makes
sure one tick is scheduled when it starts and on each of its sweeps, so a tick lost with
a killed worker comes back. A tick's RQ id names its time slot: two schedulers (or a
tick and a restarted worker) scheduling the same slot make one job.

Without Redis, the web process runs the same tick on a daemon thread (started by the
first request, except under tests), together with the sweep of background jobs an
earlier process left unfinished.

Either way a reminder is sent once: its notification key (kind, assignment, candidate)
is unique, so a second tick, or two at once, stage nothing new.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask
from rq.registry import ScheduledJobRegistry

from aimi.platform.db import APP_KEY, tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.plugins import background, jobs
from aimi.plugins import queue as rq_wiring

log = logging.getLogger(__name__)

REMINDER_SECONDS = 300
QUEUE = "notifications"
# A platform job, not a tenant's: a tenant job's RQ id is ``<slug>_<job id>``, and this
# one never holds "_".
TICK_PREFIX = "aimi-reminders-"


def remind_every_tenant() -> dict[str, int]:
    """Stage the due-soon and overdue reminders of every active college; returns how
    many each told now (a college that fails is logged, the others still run)."""
    from aimi.tenants import notices

    now, told = utcnow(), {}
    for tenant in jobs.active_tenants():
        with tenant_scope(tenant):
            try:
                told[tenant.slug] = notices.send_reminders(tenant_session(), now)
            except Exception as exc:
                tenant_session.rollback()
                log.error("reminders of %s failed: %s", tenant.slug, exc)
    return told


def tick() -> dict[str, int]:
    """The RQ job: remind, then schedule the next tick (whatever happened)."""
    try:
        return remind_every_tenant()
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
        description="aimi: assignment reminders", result_ttl=rq_wiring.KEEP_SECONDS,
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
                    remind_every_tenant()
        except Exception as exc:  # the database away for now: try at the next beat
            log.warning("in-process beat failed: %s", exc)
        stop.wait(sweep_seconds)
    with _started_lock:
        _started.pop(id(app), None)
