"""The RQ wiring, in one place (as Redash's ``redash/worker.py``): which Redis, which
queues, and how a tenant's job is named there.

Every key aimi puts in Redis carries the tenant: RQ job ids are ``<slug>_<job id>``
(a slug never holds ``_``, RQ ids may not hold ``:``). With no Redis configured
(``AIMI_REDIS_URL`` empty) there is no queue: jobs run in-process.
"""

from __future__ import annotations

import functools

from redis import Redis
from rq import Queue

from aimi.platform import config

QUEUES = ("scoring", "speech", "notifications", "default")
# A job may run this long before the worker kills it; a job "running" for longer than
# STALE_AFTER was left behind by a dead worker and may be re-run.
JOB_TIMEOUT = 600
STALE_AFTER = JOB_TIMEOUT + 60
# A running job's worker writes its heartbeat this often; silent for DEAD_AFTER seconds,
# the worker is dead (killed, out of memory, machine lost) and the job runs again.
HEARTBEAT_SECONDS = 10
DEAD_AFTER = 45
# How often a worker looks for jobs that need (re)queueing: staged while Redis was
# down, or left running by a dead worker; a job younger than SWEEP_GRACE is left alone
# (its request is about to queue it).
SWEEP_SECONDS = 15
SWEEP_GRACE = 10
# Keep RQ's own records a week; the Job row in the tenant schema is the lasting one.
KEEP_SECONDS = 7 * 24 * 3600


def redis_url() -> str:
    """The Redis of the running app (the CLI and the worker have one too), else of the
    environment; empty means jobs run in-process."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.extensions["aimi_settings"].redis_url
    return config.from_env().redis_url


@functools.lru_cache(maxsize=8)
def connection(url: str) -> Redis:
    """One client (and connection pool) per Redis URL for the whole process."""
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def queue(name: str, url: str) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; the queues are: {', '.join(QUEUES)}")
    return Queue(name, connection=connection(url), default_timeout=JOB_TIMEOUT)


def parse_queues(value: str) -> list[str]:
    """``scoring,speech`` as given on the command line, each name checked."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        raise ValueError(f"unknown queue(s): {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(QUEUES)}")
    return names


def rq_job_id(tenant_slug: str, job_id: str) -> str:
    return f"{tenant_slug}_{job_id}"
