"""``aimi worker`` and ``aimi scheduler``: RQ processes on the configured Redis.

The worker runs jobs in its own process, one after another (RQ's ``SimpleWorker``): the
spaCy pipeline and the database pools stay warm between jobs, and no forked child
inherits the parent's database connections. RQ still kills a job that runs longer than
``JOB_TIMEOUT``. Retries wait their backoff in RQ's scheduled-job registry; a scheduler
moves them back to their queue when due, so run at least one worker with
``--with-scheduler`` (or one ``aimi scheduler``).

Every worker also sweeps (``jobs.sweep``) every ``SWEEP_SECONDS``: jobs staged while Redis
was down are queued once it answers, and a job whose worker died (its heartbeat silent for
``DEAD_AFTER`` seconds) is queued again, to run once. Workers and schedulers also keep the
periodic reminders tick scheduled (``schedule.ensure_scheduled``).
"""

from __future__ import annotations

import logging
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker
from rq.scheduler import RQScheduler

from aimi.plugins import jobs, schedule
from aimi.plugins import queue as rq_wiring

log = logging.getLogger(__name__)


def _sweep_every(app, url: str, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            with app.app_context():
                jobs.sweep(url)
                schedule.ensure_scheduled(url)
        except Exception as exc:  # Redis or a database away for now: try at the next round
            log.warning("job sweep failed: %s", exc)


def _redis_url() -> str:
    url = current_app.extensions["aimi_settings"].redis_url
    if not url:
        click.secho("Error: AIMI_REDIS_URL is not set. Without Redis, jobs run inside the web "
                    "process and no worker is needed; set AIMI_REDIS_URL (e.g. "
                    "redis://localhost:6379/0) to run them on workers.", fg="red", err=True)
        sys.exit(1)
    return url


def _queue_names(value: str) -> list[str]:
    try:
        return rq_wiring.parse_queues(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queues") from None


QUEUES_OPTION = click.option("--queues", default=",".join(rq_wiring.QUEUES), show_default=True,
                             help="Comma-separated queues, in priority order.")


@click.command("worker")
@QUEUES_OPTION
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then exit.")
@click.option("--with-scheduler", is_flag=True,
              help="Also move delayed jobs and retries to their queue when due.")
@with_appcontext
def worker_command(queues: str, burst: bool, with_scheduler: bool) -> None:
    """Run background jobs (scoring, speech, notifications) from Redis."""
    url = _redis_url()
    names = _queue_names(queues)
    worker = SimpleWorker([rq_wiring.queue(name, url) for name in names],
                          connection=rq_wiring.connection(url))
    click.echo(f"worker {worker.name} on {', '.join(names)}{' (burst)' if burst else ''}")
    jobs.sweep(url)
    schedule.ensure_scheduled(url)
    stop = threading.Event()
    app = current_app._get_current_object()
    sweeper = threading.Thread(target=_sweep_every, args=(app, url, rq_wiring.SWEEP_SECONDS, stop),
                               name="aimi-job-sweep", daemon=True)
    sweeper.start()
    try:
        worker.work(burst=burst, with_scheduler=with_scheduler)
    finally:
        stop.set()


@click.command("scheduler")
@QUEUES_OPTION
@click.option("--burst", is_flag=True, help="Move the jobs due now, then exit.")
@with_appcontext
def scheduler_command(queues: str, burst: bool) -> None:
    """Move delayed jobs and retries to their queue when due (needed when no worker
    runs with --with-scheduler)."""
    url = _redis_url()
    schedule.ensure_scheduled(url)
    scheduler = RQScheduler(_queue_names(queues), connection=rq_wiring.connection(url))
    if not scheduler.acquire_locks():
        click.echo("another scheduler holds these queues; nothing to do")
        return
    if not burst:
        scheduler.work()  # until SIGINT/SIGTERM; releases its locks on the way out
        return
    try:
        scheduler.enqueue_scheduled_jobs()
    finally:
        scheduler.release_locks()
