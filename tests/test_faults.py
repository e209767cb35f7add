"""Faults the fault run found: sign-in with Redis down, jobs queued while Redis was down or
left by a killed worker, a missing platform database. Tests that stop Redis
start their OWN redis-server on a spare port and stop that one, never the shared server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis as redis_lib
from click.testing import CliRunner
from flask.cli import ScriptInfo
from helpers import PASSWORD
from rq import SimpleWorker
from score_helpers import new_user
from services import MYSQL_URL, RUN_ID
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from test_accounts_flow import signed_out_token
from test_interviews import add_questions, show, start, submit

from aimi.platform import migrate
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins import queue as rq_wiring
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.models import Job
from aimi.web.cli import ensure_superadmin, main


def _spare_port() -> int:
    for port in range(6390, 6420):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no spare port for a private redis-server in 6390-6419")


class OwnRedis:
    """A redis-server of this test's own, which the test may stop and start again."""

    def __init__(self) -> None:
        self.port = _spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_lib.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


def test_sign_in_reset_and_console_work_with_redis_down(world, own_redis, other_app):
    app = other_app(redis_url=own_redis.url, login_rate_limit=3)
    with app.app_context():
        ensure_superadmin("root-faults@platform.example.com", PASSWORD, "Root")
    mentor = world.email("alpha", "mentor")
    client = app.test_client()
    assert client.post("/t/alpha/login", json={"email": mentor, "password": PASSWORD}).status_code == 200

    own_redis.stop()
    fresh = app.test_client()
    assert fresh.post("/t/alpha/login", json={"email": mentor, "password": PASSWORD}).status_code == 200
    visitor = app.test_client()
    reset = visitor.post("/t/alpha/reset", data={
        "email": mentor, "csrf_token": signed_out_token(visitor, world.tenants["alpha"])})
    assert reset.status_code in (200, 302)
    console = app.test_client().post("/admin/login", json={"email": "root-faults@platform.example.com",
                                                           "password": PASSWORD})
    assert console.status_code == 200
    wrong = [app.test_client().post("/t/alpha/login", json={"email": mentor, "password": "wrong-pass-1"})
             .status_code for _ in range(4)]
    # Still limited, in this process's memory meanwhile.
    assert wrong[0] == 400 and wrong[-1] == 429 and set(wrong) == {400, 429}


def test_db_upgrade_creates_a_missing_platform_database(world, tmp_path, other_app):
    if world.backend == "mysql":
        fresh = make_url(MYSQL_URL).set(database=f"aimit_{RUN_ID}_fresh")
        url = fresh.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'not' / 'yet' / 'aimi.db'}"
    app = other_app(database_url=url)
    result = CliRunner().invoke(main, ["db", "upgrade"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert f"platform: at {migrate.head('platform')}" in result.output
    if world.backend == "mysql":
        assert f"created database aimit_{RUN_ID}_fresh" in result.output
    again = CliRunner().invoke(main, ["db", "upgrade"], obj=ScriptInfo(create_app=lambda: app))
    assert again.exit_code == 0 and "created database" not in again.output


# --- jobs: Redis away when queued, a worker killed mid-job ---------------------------------------


RUNS: dict[str, int] = {}


@jobs.register("test_fault_once")
def counted(session, job: Job) -> dict:
    """Counts how often its effect happens; sleeps when asked (to outlive a heartbeat)."""
    time.sleep(job.payload.get("sleep", 0))
    RUNS[job.id] = RUNS.get(job.id, 0) + 1
    return {"runs": RUNS[job.id]}


def _row(world, job_id: str) -> Job:
    with tenant_scope(world.tenants["alpha"]):
        found = tenant_session.get(Job, job_id)
        tenant_session.expunge_all()
        return found


def _drain(url: str) -> None:
    queues = [rq_wiring.queue(name, url) for name in rq_wiring.QUEUES]
    SimpleWorker(queues, connection=rq_wiring.connection(url)).work(burst=True)


def test_a_job_staged_while_redis_is_down_runs_when_it_returns(world, own_redis, other_app):
    app = other_app(redis_url=own_redis.url)
    own_redis.stop()
    with app.app_context():
        job = jobs.enqueue("test_fault_once", {}, tenant=world.tenants["alpha"])
    waiting = _row(world, job.id)
    assert waiting.status == "queued" and "Waiting for the job queue" in waiting.last_error

    own_redis.start()
    with tenant_scope(world.tenants["alpha"]):  # as if staged a while ago
        tenant_session.execute(update(Job).where(Job.id == job.id)
                               .values(created_at=utcnow() - timedelta(seconds=rq_wiring.SWEEP_GRACE + 1)))
        tenant_session.commit()
    with app.app_context():
        assert f"alpha:{job.id}" in jobs.sweep(own_redis.url)
        assert f"alpha:{job.id}" not in jobs.sweep(own_redis.url)  # queued once, not twice
        _drain(own_redis.url)
    assert _row(world, job.id).status == "done" and RUNS[job.id] == 1


def test_an_answer_submitted_while_redis_is_down_is_scored_when_it_returns(world, own_redis, other_app):
    """What the fault run saw: an answer submitted during the outage was never scored. Now
    the submission goes through, its scoring job waits in the database, and once Redis is
    back the sweep queues it and a worker scores the answer."""
    app = other_app(redis_url=own_redis.url)
    add_questions(world, "alpha")
    _user_id, address = new_user(world, "alpha")
    client = app.test_client()
    assert client.post("/t/alpha/login", json={"email": address, "password": PASSWORD}).status_code == 200
    interview = start(client, "alpha", num_questions="1")
    _html, token = show(client, interview)

    own_redis.stop()
    sent = submit(client, interview, 1, "A hash table keeps keys in buckets chosen by a hash function, "
                                        "so a lookup takes constant time on average.", token)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    the_answer = select(InterviewAnswer).where(InterviewAnswer.interview_id == interview)
    with tenant_scope(world.tenants["alpha"]):
        answer = tenant_session.scalar(the_answer)
        job_id = answer.job_id
        assert answer.overall is None
    waiting = _row(world, job_id)
    assert waiting.status == "queued" and "Waiting for the job queue" in waiting.last_error

    own_redis.start()
    with tenant_scope(world.tenants["alpha"]):  # as if staged a while ago
        tenant_session.execute(update(Job).where(Job.id == job_id)
                               .values(created_at=utcnow() - timedelta(seconds=rq_wiring.SWEEP_GRACE + 1)))
        tenant_session.commit()
    with app.app_context():
        assert f"alpha:{job_id}" in jobs.sweep(own_redis.url)
        _drain(own_redis.url)
    assert _row(world, job_id).status == "done"
    with tenant_scope(world.tenants["alpha"]):
        scored = tenant_session.scalar(the_answer)
        assert scored.overall is not None and scored.interview.status == "scored"


def test_a_dead_workers_job_is_seen_within_a_minute_and_runs_once(world, own_redis, other_app):
    app = other_app(redis_url=own_redis.url)
    with app.app_context():
        job = jobs.enqueue("test_fault_once", {}, tenant=world.tenants["alpha"])
    # A worker took it and was SIGKILLed: RQ's record went with it, the row says running.
    rq_wiring.queue("default", own_redis.url).remove(rq_wiring.rq_job_id("alpha", job.id))
    with tenant_scope(world.tenants["alpha"]):
        row = tenant_session.get(Job, job.id)
        row.status, row.attempts = "running", 1
        row.started_at = row.heartbeat_at = utcnow() - timedelta(seconds=30)
        tenant_session.commit()
    assert not jobs.stalled(_row(world, job.id))
    with app.app_context():
        assert f"alpha:{job.id}" not in jobs.sweep(own_redis.url)  # 30 s silent: maybe alive
    with tenant_scope(world.tenants["alpha"]):
        tenant_session.execute(update(Job).where(Job.id == job.id)
                               .values(heartbeat_at=utcnow() - timedelta(seconds=rq_wiring.DEAD_AFTER + 1)))
        tenant_session.commit()
    assert jobs.stalled(_row(world, job.id)) and rq_wiring.DEAD_AFTER < 60
    with app.app_context():
        assert f"alpha:{job.id}" in jobs.sweep(own_redis.url)
        _drain(own_redis.url)
        jobs.dispatch(world.tenants["alpha"], _row(world, job.id))  # a duplicated delivery
        _drain(own_redis.url)
    done = _row(world, job.id)
    assert (done.status, done.attempts, RUNS[job.id]) == ("done", 2, 1)


def test_a_job_on_a_worker_writes_its_heartbeat(world, own_redis, monkeypatch, other_app):
    monkeypatch.setattr(rq_wiring, "HEARTBEAT_SECONDS", 0.1)
    app = other_app(redis_url=own_redis.url)
    with app.app_context():
        # 1.3 s: MariaDB keeps whole seconds, so the last beat lands in a later second.
        job = jobs.enqueue("test_fault_once", {"sleep": 1.3}, tenant=world.tenants["alpha"])
        _drain(own_redis.url)
    done = _row(world, job.id)
    assert done.status == "done" and done.heartbeat_at > done.started_at


WORKER = """
import sys
sys.path.insert(0, {tests!r})
import test_faults  # registers test_fault_once
from rq import SimpleWorker
from aimi.web.app import create_app
from aimi.platform.config import from_env
from aimi.plugins import queue as rq_wiring
app = create_app(from_env())
url = {url!r}
with app.app_context():
    SimpleWorker([rq_wiring.queue(name, url) for name in rq_wiring.QUEUES],
                 connection=rq_wiring.connection(url)).work(burst=True)
"""


def test_a_worker_killed_with_sigkill_mid_job_is_rerun_once(world, own_redis, monkeypatch, other_app):
    """A real worker process, killed with SIGKILL while its job runs: the sweep sees the
    silent heartbeat and queues the job again; it runs to the end once."""
    app = other_app(redis_url=own_redis.url)
    with app.app_context():
        job = jobs.enqueue("test_fault_once", {"sleep": 60}, tenant=world.tenants["alpha"])
    env = {**os.environ, "AIMI_ENV": "testing", "AIMI_SECRET_KEY": world.settings.secret_key,
           "AIMI_DATABASE_URL": world.settings.effective_database_url, "AIMI_REDIS_URL": own_redis.url,
           "AIMI_INSTANCE_PATH": str(world.settings.instance_path), "AIMI_LOG_JSON": "0",
           "AIMI_BASE_DOMAIN": world.settings.base_domain}
    worker = subprocess.Popen([sys.executable, "-c", WORKER.format(tests=str(Path(__file__).parent),
                                                                   url=own_redis.url)], env=env)
    try:
        deadline = time.monotonic() + 180  # a worker starting on a loaded machine is slow
        while _row(world, job.id).status != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _row(world, job.id).status == "running"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    with app.app_context():
        assert f"alpha:{job.id}" not in jobs.sweep(own_redis.url)  # its last beat is fresh
    # The heartbeat has been silent since the kill. Rather than wait the production DEAD_AFTER
    # (45 s, not shortened here), its last beat is moved that far back: what the sweep reads.
    with tenant_scope(world.tenants["alpha"]):  # the rerun need not sleep a minute
        row = tenant_session.get(Job, job.id)
        row.payload = {"sleep": 0}
        row.heartbeat_at = utcnow() - timedelta(seconds=rq_wiring.DEAD_AFTER + 1)
        tenant_session.commit()
    with app.app_context():
        assert f"alpha:{job.id}" in jobs.sweep(own_redis.url)
        _drain(own_redis.url)
    done = _row(world, job.id)
    assert (done.status, done.attempts, RUNS[job.id]) == ("done", 2, 1)


def test_a_dead_worker_is_noticed_within_a_minute_by_default():
    """The production timings (tests move heartbeats back instead of changing these): a
    job silent for DEAD_AFTER is dead, found by the next sweep, all within a minute, and a
    live worker misses several beats before it is taken for dead."""
    assert (rq_wiring.HEARTBEAT_SECONDS, rq_wiring.DEAD_AFTER, rq_wiring.SWEEP_SECONDS) == (10, 45, 15)
    assert rq_wiring.DEAD_AFTER + rq_wiring.SWEEP_SECONDS <= 60
    assert rq_wiring.DEAD_AFTER >= 4 * rq_wiring.HEARTBEAT_SECONDS
