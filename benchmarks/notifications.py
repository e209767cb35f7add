"""An assignment published to a cohort: how long the admin's request takes, and how long
until the local SendGrid endpoint accepted every candidate's mail.

For each cohort size (default 50 and 5,000) a fresh college's admin publishes an
assignment through the real page (Flask test client) with jobs in-process (no Redis: the
fan-out and the mails run on the background pool after the response). The SendGrid plugin
is enabled and pointed at ``tests/sendgrid_server.py``. Printed per size: the web
request's own time, the fan-out job's own time (writing every notification row), the
time from the POST to the last mail accepted, the requests SendGrid received, mails per
second and the load average. The request's time must not grow with the cohort; the load
average is printed with each figure (this host is shared).

Run: ``python benchmarks/notifications.py [--sizes 50,5000] [--backend sqlite|mysql]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from helpers import PASSWORD, csrf_token  # noqa: E402
from sendgrid_server import sendgrid_server  # noqa: E402
from services import drop_test_databases  # noqa: E402
from world import build_world  # noqa: E402

from aimi.platform.db import tenant_scope, tenant_session, use_database  # noqa: E402
from aimi.platform.timeutil import to_local, utcnow  # noqa: E402
from aimi.plugins import background  # noqa: E402
from aimi.plugins import settings as plugin_settings  # noqa: E402
from aimi.tenants import accounts  # noqa: E402
from aimi.tenants.interview_models import InterviewTemplate  # noqa: E402
from aimi.tenants.models import Cohort, Job  # noqa: E402


def college(world, slug: str, size: int) -> tuple[int, int]:
    """A new college with ``size`` candidates in one cohort, SendGrid enabled, and a
    published template; returns (cohort id, template id)."""
    ref = world.new_tenant(slug, f"College {slug}")
    world.tenants[slug] = ref
    password = world.hasher()(PASSWORD)
    with tenant_scope(ref):
        session = tenant_session()
        people = [accounts.create_user(session, email=f"c{n}@{slug}.example.com", full_name=f"Candidate {n}",
                                       roles=["candidate"], password_hash=password, confirmed=True)
                  for n in range(size)]
        cohort = Cohort(name="Batch 2026", batch="2026", candidates=people)
        template = InterviewTemplate(name="Mock", role="software-engineer", type="technical",
                                     difficulty="easy", num_questions=1, published=True)
        session.add_all([cohort, template])
        plugin_settings.save(session, "sendgrid_mail", True,
                             {"api_key": "SG.bench", "sender": f"p@{slug}.example"})
        session.commit()
        return cohort.id, template.id


def publish(world, slug: str, cohort_id: int, template_id: int) -> float:
    """The admin's POST; returns its time in seconds."""
    admin, url = world.login(slug, "admin"), f"/t/{slug}/templates/assignments"
    token = csrf_token(admin.get(url).get_data(as_text=True))
    due = to_local(utcnow() + timedelta(days=3), "UTC").strftime("%Y-%m-%dT%H:%M")
    start = time.perf_counter()
    resp = admin.post(url, data={"csrf_token": token, "template_id": str(template_id),
                                 "cohort_id": str(cohort_id), "due_at": due, "attempt_limit": "1"})
    spent = time.perf_counter() - start
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return spent


def accepted(server) -> int:
    return sum(len(p["to"]) for request in server.requests for p in request["json"]["personalizations"])


def run(world, server, size: int, number: int) -> dict:
    slug = f"bench{number}"
    cohort_id, template_id = college(world, slug, size)
    server.requests.clear()
    start = time.perf_counter()
    request_s = publish(world, slug, cohort_id, template_id)
    while accepted(server) < size:
        if not background.pending() and accepted(server) < size:
            raise SystemExit(f"the pool is idle with {accepted(server)} of {size} mails accepted")
        time.sleep(0.05)
    total_s = time.perf_counter() - start
    return {"size": size, "request_ms": request_s * 1000, "total_s": total_s,
            "fan_out_s": fan_out(world, slug), "requests": len(server.requests), "per_s": size / total_s}


def fan_out(world, slug: str) -> float:
    """The fan-out job's own time (writing every notification row and staging the
    delivery jobs), from its row's start and finish."""
    with tenant_scope(world.tenants[slug]):
        job = tenant_session.scalar(select(Job).where(Job.kind == "notify_assignment_published"))
        return (job.finished_at - job.started_at).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,5000")
    parser.add_argument("--backend", choices=("sqlite", "mysql"), default="sqlite")
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder, sendgrid_server() as server:
        os.environ["AIMI_SENDGRID_API_HOST"] = server.url
        world = build_world(args.backend, Path(folder))
        try:
            with use_database(world.database):
                print(f"backend {args.backend}, jobs in-process ({background.THREADS} background threads), "
                      f"load average {os.getloadavg()[0]:.2f}")
                print(f"{'cohort':>7} {'request ms':>11} {'fan-out job s':>14} {'all accepted s':>15} "
                      f"{'requests':>9} {'mails/s':>8} {'load':>5}")
                for number, size in enumerate(sizes):
                    row = run(world, server, size, number)
                    print(f"{row['size']:>7} {row['request_ms']:>11.1f} {row['fan_out_s']:>14.1f} "
                          f"{row['total_s']:>15.1f} {row['requests']:>9} {row['per_s']:>8.1f} "
                          f"{os.getloadavg()[0]:>5.1f}", flush=True)
                print(f"load average afterwards {os.getloadavg()[0]:.2f}")
        finally:
            background.wait_idle(60)
            world.database.dispose()
            if args.backend == "mysql":
                drop_test_databases()


if __name__ == "__main__":
    main()
