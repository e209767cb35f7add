"""Notifications through the real pages and jobs: an assignment, a finished review and a
scored interview notify the candidate (inbox, bell, and mail through the outbox or SMTP
by a job on the notifications queue); preferences per kind; provider failures retried or
shown on the jobs page; and isolation (between tenants and between users)."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask.cli import ScriptInfo
from helpers import csrf_token, sign_in, tag
from job_helpers import drain, queued_ids, redis_app, settle
from rq.registry import ScheduledJobRegistry
from score_helpers import new_assignment, new_cohort, new_user
from sendgrid_server import sendgrid_server
from smtp_server import smtp_server
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.engine import Engine

from aimi.platform import bulk, mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import to_local, utcnow
from aimi.plugins import background, jobs, notification_jobs, schedule
from aimi.plugins import queue as rq_wiring
from aimi.plugins.worker import scheduler_command
from aimi.tenants import interviews, notices, notifications
from aimi.tenants.interview_models import Assignment, Interview, InterviewAnswer, InterviewTemplate
from aimi.tenants.models import Job, User, cohort_candidates
from aimi.tenants.notification_models import Notification, NotificationPreference


def publish_template(world, slug: str) -> tuple[int, str]:
    name = f"Mock {tag()}"
    with tenant_scope(world.tenants[slug]):
        row = InterviewTemplate(name=name, role="software-engineer", type="technical", difficulty="easy",
                                num_questions=1, published=True)
        tenant_session.add(row)
        tenant_session.commit()
        return row.id, name


def publish(world, slug: str, cohort_id: int, client=None, on_request=None) -> str:
    """An admin assigns a new published template to the cohort through the page; the
    POST runs inside ``on_request`` (a context manager) when given. Nothing is awaited."""
    template_id, name = publish_template(world, slug)
    admin, url = world.login(slug, "admin", client=client), f"/t/{slug}/templates/assignments"
    page = admin.get(url)
    due = (to_local(utcnow() + timedelta(days=3), "UTC")).strftime("%Y-%m-%dT%H:%M")
    with on_request or nullcontext():
        resp = admin.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                     "template_id": str(template_id), "cohort_id": str(cohort_id),
                                     "due_at": due, "attempt_limit": "2"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return name


def assign(world, slug: str, cohort_id: int, client=None) -> str:
    """``publish``, then wait for the fan-out and the mails (they run after the response)."""
    name = publish(world, slug, cohort_id, client)
    settle()
    return name


def outbox(world, slug: str, address: str) -> list[email.message.EmailMessage]:
    settle()
    folder = world.settings.instance_path / "outbox" / slug
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in mail.outbox_files(folder, address)]


def bell(html: str) -> int:
    found = re.search(r'aria-label="Notifications, (\d+) unread"', html)
    assert found, "no bell in the header"
    return int(found.group(1))


def rows(world, slug: str, user_id: int) -> list[Notification]:
    settle()
    with tenant_scope(world.tenants[slug]):
        found = list(tenant_session.scalars(select(Notification).where(Notification.user_id == user_id)
                                            .order_by(Notification.id)))
        tenant_session.expunge_all()
        return found


def job_of(world, slug: str, notification_id: int) -> Job:
    """The job that mails the notification: its own, or its fan-out's batch."""
    settle()
    with tenant_scope(world.tenants[slug]):
        job = tenant_session.scalar(select(Job).where(
            Job.idempotency_key == f"{notifications.DELIVER_KIND}:{notification_id}"))
        batches = tenant_session.scalars(select(Job).where(Job.kind == notifications.DELIVER_BATCH_KIND))
        job = job or next(batch for batch in batches if notification_id in batch.payload["notification_ids"])
        tenant_session.expunge_all()
        return job


@pytest.fixture
def cohort(world) -> dict:
    """Two fresh candidates of one alpha cohort."""
    (one, one_email), (two, two_email) = new_user(world, "alpha"), new_user(world, "alpha")
    return {"id": new_cohort(world, "alpha", [one, two]), "ids": (one, two), "emails": (one_email, two_email)}


def test_assignment_notifies_each_candidate_in_the_inbox_and_by_mail(world, cohort):
    name = assign(world, "alpha", cohort["id"])
    for user_id, address in zip(cohort["ids"], cohort["emails"], strict=True):
        [row] = rows(world, "alpha", user_id)
        assert (row.kind, row.title) == ("assignment_published", f"New assignment: {name}")
        assert row.email_status == "sent"
        [message] = outbox(world, "alpha", address)
        assert message["Subject"] == f"New assignment: {name}"
        assert "/t/alpha/dashboard" in message.get_body(("plain",)).get_content()
        job = job_of(world, "alpha", row.id)
        assert (job.queue, job.status) == ("notifications", "done")
    client = sign_in(world, "alpha", cohort["emails"][0])
    page = client.get("/t/alpha/notifications/").get_data(as_text=True)
    assert bell(page) == 1 and f"New assignment: {name}" in page


def test_with_redis_the_request_only_queues_and_a_worker_mails(world, cohort, redis_url):
    with redis_app(world, redis_url) as app:
        drain(redis_url)
        name = assign(world, "alpha", cohort["id"], client=app.test_client())
        assert outbox(world, "alpha", cohort["emails"][0]) == []  # nothing mailed in the request
        assert rows(world, "alpha", cohort["ids"][0]) == []  # nor fanned out: one job is queued
        with tenant_scope(world.tenants["alpha"]):
            [fan_out] = tenant_session.scalars(select(Job.id).where(Job.kind == notices.PUBLISHED_KIND,
                                                                    Job.status == "queued")).all()
        assert queued_ids(redis_url, "notifications") == [f"alpha_{fan_out}"]
        with app.app_context():  # as `aimi worker` runs its jobs: the fan-out, then each mail
            drain(redis_url)
    [message] = outbox(world, "alpha", cohort["emails"][0])
    assert message["Subject"] == f"New assignment: {name}"
    assert rows(world, "alpha", cohort["ids"][0])[0].email_status == "sent"


def test_without_redis_the_request_returns_before_any_mail_then_the_mails_arrive(world, sendgrid):
    ids = [new_user(world, "alpha")[0] for _ in range(3)]
    sendgrid.hold.clear()  # SendGrid accepts nothing until the response is back
    try:
        publish(world, "alpha", new_cohort(world, "alpha", ids))
        assert sendgrid.requests == []
    finally:
        sendgrid.hold.set()
    settle()
    assert [row.email_status for uid in ids for row in rows(world, "alpha", uid)] == ["sent"] * 3
    [request] = sendgrid.requests  # aimi_send_messages: the cohort in one v3 request, a personalization each
    body = request["json"]
    assert [c["value"] for c in body["content"]] == ["-aimi-text-", "-aimi-html-"]
    people = body["personalizations"]
    assert sorted(p["to"][0]["email"] for p in people) == sorted(
        email for uid in ids for email in [rows(world, "alpha", uid)[0].email])
    for person in people:  # each their own greeting and unsubscribe link, in text and HTML
        text, html = person["substitutions"]["-aimi-text-"], person["substitutions"]["-aimi-html-"]
        stop = person["headers"]["List-Unsubscribe"][1:-1]
        assert stop in text and stop in html and person["subject"].startswith("New assignment: ")
    assert len({person["headers"]["List-Unsubscribe"] for person in people}) == 3


@contextmanager
def work_of_this_thread(found: list[str]) -> Iterator[None]:
    """Record the SQL this thread runs and the users it loads (the request's work, not
    the background pool's)."""
    me = threading.get_ident()

    def statement(_conn, _cursor, sql, *_args) -> None:
        if threading.get_ident() == me:
            found.append(sql)

    def user(target, _context) -> None:
        if threading.get_ident() == me:
            found.append(f"loaded user {target.id}")

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(User, "load", user)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(User, "load", user)


def test_the_publishing_request_does_the_same_work_for_any_cohort_size(world):
    sizes, statements = (2, 2, 40), []
    cohorts = [new_cohort(world, "alpha", [new_user(world, "alpha")[0] for _ in range(n)]) for n in sizes]
    for cohort_id in cohorts:  # the first publish warms caches; the next two are compared
        statements.append([])
        publish(world, "alpha", cohort_id, on_request=work_of_this_thread(statements[-1]))
    settle()
    small, large = statements[1:]
    # a few statements may come and go (a throttled "last seen" write); 38 more candidates
    # notified (or merely loaded) in the request would add at least 38
    assert len(large) <= len(small) + 3, [found for found in large if found not in small][:5]
    with tenant_scope(world.tenants["alpha"]):
        told = tenant_session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "assignment_published", Notification.user_id.in_(
                select(cohort_candidates.c.user_id).where(cohort_candidates.c.cohort_id == cohorts[2]))))
    assert told == 40


def test_a_fan_out_writes_its_rows_in_bulk_and_a_rerun_tells_nobody_twice(world):
    """600 candidates (597 reading this kind in the inbox only): two multi-row INSERTs of
    notifications (500 rows each at most), one query of preferences, one delivery job of
    the 3 mails; the same fan-out again writes nothing."""
    people = [new_user(world, "alpha")[0] for _ in range(3)]
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        rows = [{"email": f"bulk-{tag()}@alpha.example.com", "fs_uniquifier": tag() + tag(),
                 "fs_token_uniquifier": tag() + tag(), "full_name": "Bulk", "active": True,
                 "created_at": utcnow()} for _ in range(597)]
        session.execute(insert(User), rows)
        inbox_only = list(session.scalars(select(User.id).where(User.email.in_([r["email"] for r in rows]))))
        session.execute(insert(NotificationPreference), [
            {"user_id": user_id, "kind": "assignment_published", "channel": "in_app"}
            for user_id in inbox_only])
        session.commit()
        people += inbox_only
    cohort_id = new_cohort(world, "alpha", people)
    assignment_id = new_assignment(world, "alpha", cohort_id, f"Bulk {tag()}", utcnow() + timedelta(days=2))
    statements: list[str] = []
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        assignment = session.get(Assignment, assignment_id)
        with work_of_this_thread(statements):
            told = notices.assignment_published(session, assignment, timezone="UTC")
        session.commit()
        assert told == 600
        assert notices.assignment_published(session, assignment, timezone="UTC") == 0  # a re-run
        session.commit()
    inserts = [sql for sql in statements if sql.lstrip().upper().startswith("INSERT")
               and "notifications" in sql.split("(")[0]]
    assert len(inserts) == 2
    assert len([sql for sql in statements if "notification_preferences" in sql]) == 1
    with tenant_scope(world.tenants["alpha"]):
        first = tenant_session.scalar(select(func.min(Notification.id)).where(
            Notification.key.startswith(f"assignment_published:assignment{assignment_id}:")))
        job = tenant_session.scalar(select(Job).where(
            Job.idempotency_key == f"{notifications.DELIVER_BATCH_KIND}:{first}"))
        assert len(job.payload["notification_ids"]) == 3
        assert tenant_session.scalar(select(func.count()).select_from(Notification).where(
            Notification.key.startswith(f"assignment_published:assignment{assignment_id}:"),
            Notification.email_status == "none")) == 597


def test_insert_new_skips_taken_keys_on_each_backend(world):
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        user = session.scalar(select(User).where(User.email == world.email("alpha", "candidate")))
        base = {"user_id": user.id, "email": user.email, "kind": "report_ready", "title": "T", "body": "",
                "html": None, "link": "", "essential": False, "in_app": True, "created_at": utcnow(),
                "read_at": None, "email_status": "none", "email_error": "", "provider_message_id": "",
                "sent_at": None}
        first, second = f"bulk:{tag()}", f"bulk:{tag()}"
        assert bulk.insert_new(session, Notification.__table__, [{**base, "key": first}]) == 1
        assert bulk.insert_new(session, Notification.__table__,
                               [{**base, "key": first}, {**base, "key": second}]) == 1
        session.commit()
        assert tenant_session.scalar(select(func.count()).select_from(Notification).where(
            Notification.key.in_([first, second]))) == 2


def test_assigning_twice_does_not_notify_twice(world, cohort):
    assign(world, "alpha", cohort["id"])
    assign(world, "alpha", cohort["id"])
    assert len(rows(world, "alpha", cohort["ids"][0])) == 2  # two assignments, one notice each
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        candidate = session.get(User, cohort["ids"][0])
        same = {"kind": "report_ready", "key": "same", "user": candidate, "title": "t", "body": "b"}
        first, again = notifications.notify(session, **same), notifications.notify(session, **same)
        assert first is again
        session.rollback()


def test_mark_one_then_all_read_with_csrf(world, cohort):
    for _ in range(3):
        assign(world, "alpha", cohort["id"])
    client = sign_in(world, "alpha", cohort["emails"][0])
    page = client.get("/t/alpha/notifications/").get_data(as_text=True)
    assert bell(page) == 3
    first = rows(world, "alpha", cohort["ids"][0])[0]
    assert client.post(f"/t/alpha/notifications/{first.id}/read").status_code == 400  # no CSRF token
    resp = client.post(f"/t/alpha/notifications/{first.id}/read",
                       data={"csrf_token": csrf_token(page), "open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/t/alpha/dashboard")
    page = client.get("/t/alpha/notifications/").get_data(as_text=True)
    assert bell(page) == 2
    resp = client.post("/t/alpha/notifications/read-all", data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    page = client.get("/t/alpha/notifications/").get_data(as_text=True)
    assert bell(page) == 0 and "Mark all read" not in page
    assert all(row.read_at is not None for row in rows(world, "alpha", cohort["ids"][0]))


def test_empty_inbox_and_pagination(world):
    user_id, address = new_user(world, "alpha", "mentor")
    client = sign_in(world, "alpha", address)
    page = client.get("/t/alpha/notifications/").get_data(as_text=True)
    assert "No notifications yet" in page and bell(page) == 0
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        mentor = session.get(User, user_id)
        for n in range(27):
            notifications.notify(session, kind="report_ready", key=f"page{n}", user=mentor,
                                 title=f"Notice {n:02d}", body="b")
        session.commit()
    first = client.get("/t/alpha/notifications/").get_data(as_text=True)
    second = client.get("/t/alpha/notifications/?page=2").get_data(as_text=True)
    assert "Notice 26" in first and "Notice 00" not in first
    assert "Notice 00" in second and "Notice 26" not in second
    assert bell(second) == 27


def test_preferences_in_app_only_and_off(world, cohort):
    client = sign_in(world, "alpha", cohort["emails"][0])
    url = "/t/alpha/notifications/settings"
    page = client.get(url).get_data(as_text=True)
    assert "Account e-mails" in page and 'name="account"' not in page  # essential: no choice
    every = dict.fromkeys(notifications.kinds_for(User(roles=[])), "email")
    resp = client.post(url, data={**every, "csrf_token": csrf_token(page), "assignment_published": "in_app",
                                  "review_finished": "off"})
    assert resp.status_code == 302
    assign(world, "alpha", cohort["id"])
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert (row.in_app, row.email_status) == (True, "none")
    assert outbox(world, "alpha", cohort["emails"][0]) == []
    assert len(outbox(world, "alpha", cohort["emails"][1])) == 1  # the other kept the default
    page = client.get(url).get_data(as_text=True)
    bad = client.post(url, data={**every, "csrf_token": csrf_token(page), "assignment_published": "pigeon"})
    assert bad.status_code == 422 and "pigeon" in bad.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        candidate = session.get(User, cohort["ids"][0])
        assert notifications.preferences(session, candidate)["review_finished"] == "off"  # unchanged
        with pytest.raises(notifications.NotificationError):
            notifications.set_preferences(session, candidate, {"account": "off"})
        notifications.set_preferences(session, candidate, {"assignment_published": "off"})
        session.commit()
    assign(world, "alpha", cohort["id"])
    assert len(rows(world, "alpha", cohort["ids"][0])) == 1


def test_essential_reset_mail_is_sent_even_with_everything_off(world, cohort):
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        candidate = session.get(User, cohort["ids"][0])
        notifications.set_preferences(session, candidate,
                                      dict.fromkeys(notifications.kinds_for(candidate), "off"))
        session.commit()
    client = world.client()
    page = client.get("/t/alpha/reset").get_data(as_text=True)
    resp = client.post("/t/alpha/reset", data={"email": cohort["emails"][0], "csrf_token": csrf_token(page)})
    assert resp.status_code in (200, 302)
    [message] = outbox(world, "alpha", cohort["emails"][0])
    assert "/t/alpha/reset/" in message.get_body(("plain",)).get_content()
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert (row.kind, row.essential, row.in_app, row.email_status) == ("account", True, False, "sent")
    assert message["Subject"] == "Reset your password at Alpha College"
    assert message["List-Unsubscribe"] is None
    assert "unsubscribe" not in message.get_body(("plain",)).get_content().lower()


def test_review_finished_notifies_the_candidate(world):
    from test_review import make_answer, make_cohort, send_review

    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    candidate_id, candidate_email = new_user(world, "alpha")
    make_cohort(world, "alpha", mentors=[mentor_email], candidates=[candidate_email])
    answer_id = make_answer(world, "alpha", candidate_id)
    mentor = sign_in(world, "alpha", mentor_email)
    assert send_review(mentor, "alpha", answer_id, "draft").status_code == 302
    assert rows(world, "alpha", candidate_id) == []  # a draft tells nobody
    assert send_review(mentor, "alpha", answer_id, "reviewed").status_code == 302
    [row] = rows(world, "alpha", candidate_id)
    assert (row.kind, row.email_status) == ("review_finished", "sent")
    with tenant_scope(world.tenants["alpha"]):
        interview_id = tenant_session.scalar(select(InterviewAnswer.interview_id)
                                             .where(InterviewAnswer.id == answer_id))
    assert row.link == f"/interviews/{interview_id}/report"
    [message] = outbox(world, "alpha", candidate_email)
    assert f"/t/alpha/interviews/{interview_id}/report" in message.get_body(("plain",)).get_content()


def test_report_ready_when_the_last_answer_is_scored(world):
    from test_review import report

    candidate_id, candidate_email = new_user(world, "alpha")
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):  # as on a worker
        session = tenant_session()

        interview = Interview(candidate_id=candidate_id, role="software-engineer", type="technical",
                              difficulty_mode="easy", num_questions=1, status="submitted",
                              submitted_at=utcnow())
        session.add(interview)
        session.flush()
        answer = InterviewAnswer(interview=interview, position=0, difficulty="easy", text="x",
                                 question_version_id=_any_version(session), submitted_at=utcnow())
        session.add(answer)
        session.flush()
        interviews.store_score(answer, report(70.0))
        session.commit()
        interview_id = interview.id
    [row] = rows(world, "alpha", candidate_id)
    assert (row.kind, row.email_status) == ("report_ready", "sent")
    assert row.link == f"/interviews/{interview_id}/report"
    assert len(outbox(world, "alpha", candidate_email)) == 1


def _any_version(session) -> int:
    from aimi.tenants.interview_models import QuestionVersion

    return session.scalar(select(func.min(QuestionVersion.id)))


@contextmanager
def smtp_for(world, *rcpt_replies: str) -> Iterator:
    """The portal mails through a local SMTP server answering RCPT with ``rcpt_replies``."""
    portal, settings = world.portal, world.portal.extensions["aimi_settings"]
    with smtp_server() as server:
        server.rcpt_replies = list(rcpt_replies)
        portal.extensions["aimi_settings"] = settings.with_(smtp_url=server.url)
        try:
            yield server
        finally:
            settle()
            portal.extensions["aimi_settings"] = settings


def test_smtp_transient_refusal_is_retried_then_sent(world, cohort):
    with smtp_for(world, "451 4.3.0 try later") as server:
        with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
            session = tenant_session()
            candidate = session.get(User, cohort["ids"][0])
            row = notifications.notify(session, kind="report_ready", key=tag(), user=candidate,
                                       title="Over SMTP", body="Hello")
            session.commit()
            row_id = row.id
        settle()
        assert len(server.accepted) == 1 and "Subject: Over SMTP" in server.accepted[0]
    [stored] = [r for r in rows(world, "alpha", cohort["ids"][0]) if r.id == row_id]
    assert stored.email_status == "sent"
    job = job_of(world, "alpha", row_id)
    assert (job.status, job.attempts) == ("done", 2)


def test_smtp_permanent_refusal_fails_visibly_on_the_jobs_page(world, cohort):
    with smtp_for(world, "550 5.1.1 mailbox unknown") as server:
        name = assign(world, "alpha", new_cohort(world, "alpha", [cohort["ids"][0]]))
        assert server.accepted == []
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert row.email_status == "failed" and "550 5.1.1 mailbox unknown" in row.email_error
    job = job_of(world, "alpha", row.id)
    assert (job.status, job.attempts) == ("failed", 1)
    page = world.login("alpha", "admin").get("/t/alpha/manage/jobs?status=failed").get_data(as_text=True)
    assert "550 5.1.1 mailbox unknown" in page
    candidate = sign_in(world, "alpha", cohort["emails"][0])
    assert f"New assignment: {name}" in candidate.get("/t/alpha/notifications/").get_data(as_text=True)
    assert suppressed_addresses(world, "alpha")[cohort["emails"][0].lower()] == "bounce"  # 5xx: no more mail
    assert cohort["emails"][0].lower() not in suppressed_addresses(world, "beta")
    assign(world, "alpha", new_cohort(world, "alpha", [cohort["ids"][0]]))
    assert [r.email_status for r in rows(world, "alpha", cohort["ids"][0])] == ["failed", "suppressed"]


def test_notifications_never_cross_tenants_or_users(world):
    alpha_id, alpha_email = new_user(world, "alpha")
    assign(world, "alpha", new_cohort(world, "alpha", [alpha_id]))
    [row] = rows(world, "alpha", alpha_id)
    beta_id, beta_email = new_user(world, "beta")
    beta = sign_in(world, "beta", beta_email)
    page = beta.get("/t/beta/notifications/").get_data(as_text=True)
    assert bell(page) == 0 and row.title not in page
    token = csrf_token(page)
    assert beta.post(f"/t/beta/notifications/{row.id}/read", data={"csrf_token": token}).status_code == 404
    assert beta.post("/t/beta/notifications/read-all", data={"csrf_token": token}).status_code == 302
    other_id, other_email = new_user(world, "alpha")
    other = sign_in(world, "alpha", other_email)
    page = other.get("/t/alpha/notifications/").get_data(as_text=True)
    assert row.title not in page and bell(page) == 0
    assert other.post(f"/t/alpha/notifications/{row.id}/read",
                      data={"csrf_token": csrf_token(page)}).status_code == 404
    other.post("/t/alpha/notifications/read-all", data={"csrf_token": csrf_token(page)})
    [after] = rows(world, "alpha", alpha_id)
    assert after.read_at is None  # neither beta nor another alpha user marked it
    assert not outbox(world, "beta", alpha_email)


@pytest.fixture
def sendgrid(monkeypatch, change_plugin):
    """Alpha sends through SendGrid (a local stand-in) for this test; afterwards it is back
    to its own state (and outbox)."""
    with sendgrid_server() as server:
        monkeypatch.setenv("AIMI_SENDGRID_API_HOST", server.url)
        change_plugin("alpha", "sendgrid_mail", True, {"api_key": "SG.test-key",
                                                       "sender": "placements@alpha.example.com"})
        try:
            yield server
        finally:
            settle()


def test_sendgrid_sends_the_v3_request(world, cohort, sendgrid):
    name = assign(world, "alpha", new_cohort(world, "alpha", [cohort["ids"][0]]))
    [request] = sendgrid.requests
    assert request["path"] == "/v3/mail/send"
    assert request["headers"]["Authorization"] == "Bearer SG.test-key"
    body = request["json"]
    assert body["from"] == {"email": "placements@alpha.example.com"}
    assert body["subject"] == f"New assignment: {name}"
    assert body["personalizations"] == [{"to": [{"email": cohort["emails"][0]}]}]
    assert body["content"][0]["type"] == "text/plain" and "/t/alpha/dashboard" in body["content"][0]["value"]
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop = body["headers"]["List-Unsubscribe"]
    assert re.fullmatch(r"<http://localhost:5000/t/alpha/notifications/unsubscribe/[\w.-]+>", stop)
    assert stop[1:-1] in body["content"][0]["value"]
    assert body["custom_args"] == {"aimi_tenant": "alpha"}  # its webhook events name the college
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert (row.email_status, row.provider_message_id) == ("sent", "sg-1")
    assert outbox(world, "alpha", cohort["emails"][0]) == []  # SendGrid answered: not the outbox too


def test_sendgrid_429_is_retried_and_400_fails_with_its_message(world, cohort, sendgrid):
    sendgrid.answers = [(429, b'{"errors": [{"message": "too many requests"}]}', {"Retry-After": "1"})]
    assign(world, "alpha", new_cohort(world, "alpha", [cohort["ids"][0]]))
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert row.email_status == "sent" and len(sendgrid.requests) == 2
    assert job_of(world, "alpha", row.id).attempts == 2
    sendgrid.answers = [(400, b'{"errors": [{"message": "The to email does not contain a valid address.",'
                              b' "field": "personalizations.0.to.0.email"}]}', {})]
    assign(world, "alpha", new_cohort(world, "alpha", [cohort["ids"][1]]))
    [failed] = rows(world, "alpha", cohort["ids"][1])
    assert failed.email_status == "failed"
    assert failed.email_error == "SendGrid 400: The to email does not contain a valid address."
    job = job_of(world, "alpha", failed.id)
    assert (job.status, job.attempts) == ("failed", 1)
    page = world.login("alpha", "admin").get("/t/alpha/manage/jobs?status=failed").get_data(as_text=True)
    assert "The to email does not contain a valid address." in page


def worker_process(world, redis_url: str) -> subprocess.Popen:
    """``aimi worker`` on the notifications queue, in a process of its own."""
    settings = world.settings
    env = {**os.environ, "AIMI_DATABASE_URL": settings.database_url, "AIMI_REDIS_URL": redis_url,
           "AIMI_INSTANCE_PATH": str(settings.instance_path), "AIMI_ENV": "testing",
           "AIMI_SECRET_KEY": settings.secret_key, "AIMI_BASE_DOMAIN": settings.base_domain,
           "AIMI_LOG_JSON": "0"}
    aimi = str(Path(sys.executable).with_name("aimi"))
    return subprocess.Popen([aimi, "worker", "--queues", "notifications"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_while_sending_never_sends_twice_and_says_so(world, cohort, sendgrid, redis_url):
    with redis_app(world, redis_url) as app:
        rq_wiring.connection(redis_url).flushdb()
        with app.app_context(), tenant_scope(world.tenants["alpha"]):
            session = tenant_session()
            row = notifications.notify(session, kind="report_ready", key=tag(), title="Killed", body="Hello",
                                       user=session.get(User, cohort["ids"][0]))
            session.commit()
            row_id = row.id
        sendgrid.hold.clear()  # SendGrid holds the request: the worker is inside the send
        worker = worker_process(world, redis_url)
        try:
            deadline = time.monotonic() + 120
            while sendgrid.arrived == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert sendgrid.arrived == 1, "the worker never called SendGrid"
        finally:
            worker.kill()
            worker.wait(30)
            sendgrid.hold.set()  # the provider took the mail after all
        [held] = [r for r in rows(world, "alpha", cohort["ids"][0]) if r.id == row_id]
        assert held.email_status == "sending"
        job_id = job_of(world, "alpha", row_id).id
        with tenant_scope(world.tenants["alpha"]):  # a minute later: its heartbeat went silent
            silent = utcnow() - timedelta(seconds=rq_wiring.DEAD_AFTER + 10)
            tenant_session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=silent,
                                                                                started_at=silent))
            tenant_session.commit()
        with app.app_context():  # another worker's sweep finds it and runs it again
            assert f"alpha:{job_id}" in jobs.sweep(redis_url)
            drain(redis_url)
        assert len(sendgrid.requests) == 1 and sendgrid.arrived == 1  # never sent twice
        [after] = [r for r in rows(world, "alpha", cohort["ids"][0]) if r.id == row_id]
        assert (after.email_status, after.email_error) == ("uncertain", notification_jobs.UNCERTAIN)
        job = job_of(world, "alpha", row_id)
        assert job.status == "failed" and "may or may not have been sent" in job.last_error
        page = world.login("alpha", "admin").get("/t/alpha/manage/jobs?status=failed").get_data(as_text=True)
        assert "may or may not have been sent" in page


def test_sendgrid_of_alpha_never_sends_for_beta(world, sendgrid):
    beta_id, beta_email = new_user(world, "beta")
    assign(world, "beta", new_cohort(world, "beta", [beta_id]))
    assert sendgrid.requests == []  # beta has no key: its own outbox
    assert len(outbox(world, "beta", beta_email)) == 1


LOOKS = {"alpha": {"display_name": "Alpha Institute of Technology", "accent_color": "#a1b2c3",
                   "logo_url": "/static/alpha-crest.png"},
         "beta": {"display_name": "Beta Women's College", "accent_color": "#0d9e4f",
                  "logo_url": "https://cdn.beta.example/crest.png"}}


@pytest.fixture
def branded(change_settings) -> dict:
    """Each college with a name, accent colour and logo of its own (restored afterwards)."""
    for slug, looks in LOOKS.items():
        change_settings(slug, looks)
    return LOOKS


def parts(message: email.message.EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML parts of a multipart/alternative mail."""
    assert message.get_content_type() == "multipart/alternative"
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def test_mail_over_smtp_is_multipart_and_branded_by_its_own_college_only(world, branded):
    (alpha_id, alpha_email), (beta_id, beta_email) = new_user(world, "alpha"), new_user(world, "beta")
    with smtp_for(world) as server:
        name = assign(world, "alpha", new_cohort(world, "alpha", [alpha_id]))
        assign(world, "beta", new_cohort(world, "beta", [beta_id]))
    received = {message["To"]: message for message in
                (email.message_from_string(raw, policy=email.policy.default) for raw in server.accepted)}
    for slug, address, other in (("alpha", alpha_email, "beta"), ("beta", beta_email, "alpha")):
        text, html = parts(received[address])
        looks = branded[slug]
        assert looks["display_name"] in text and looks["display_name"].replace("'", "&#39;") in html
        assert looks["accent_color"] in html and "crest.png" in html
        assert "Stop e-mails like this one" in html and "/notifications/unsubscribe/" in text
        for value in branded[other].values():
            assert value not in text and value not in html
            assert value.replace("'", "&#39;") not in html
    _text, html = parts(received[alpha_email])
    assert f"New assignment: {name}" in html and 'src="http://localhost:5000/static/alpha-crest.png"' in html


def test_sendgrid_mail_has_text_and_branded_html(world, cohort, sendgrid, branded):
    assign(world, "alpha", new_cohort(world, "alpha", [cohort["ids"][0]]))
    [request] = sendgrid.requests
    plain, html = request["json"]["content"]
    assert (plain["type"], html["type"]) == ("text/plain", "text/html")
    assert "Alpha Institute of Technology" in plain["value"] and "#a1b2c3" in html["value"]
    assert "Beta Women" not in html["value"]


def test_essential_mail_is_branded_without_an_unsubscribe_link(world, cohort, branded):
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        notifications.notify(session, kind="invitation", key=tag(), user=session.get(User, cohort["ids"][0]),
                             title="Your invitation", body="Hello,\n\nChoose a password: http://x.example/i/1")
        session.commit()
    [message] = outbox(world, "alpha", cohort["emails"][0])
    text, html = parts(message)
    assert "Alpha Institute of Technology" in html and "#a1b2c3" in html
    assert '<a href="http://x.example/i/1">' in html and "http://x.example/i/1" in text
    assert "unsubscribe" not in text + html and message["List-Unsubscribe"] is None


def test_admins_preview_every_kind_of_mail_in_their_colours(world, branded):
    admin = world.login("alpha", "admin")
    for kind in notifications.KINDS:
        page = admin.get(f"/t/alpha/manage/mail-preview/{kind}")
        assert page.status_code == 200, kind
        html = page.get_data(as_text=True)
        assert "Alpha Institute of Technology" in html and "#a1b2c3" in html
        assert ("Stop e-mails like this one" in html) is not notifications.KINDS[kind].essential
    assert admin.get("/t/alpha/manage/mail-preview/nonsense").status_code == 404
    candidate = sign_in(world, "alpha", new_user(world, "alpha")[1])
    assert candidate.get("/t/alpha/manage/mail-preview/report_ready").status_code == 403
    beta = world.login("beta", "admin").get("/t/beta/manage/mail-preview/report_ready").get_data(as_text=True)
    assert "Beta Women" in beta and "Alpha Institute" not in beta


def test_a_mentor_announces_to_their_cohorts_once_each_by_preference(world):
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    (both, both_email), (quiet, quiet_email) = new_user(world, "alpha"), new_user(world, "alpha")
    (stranger, _), (beta_id, beta_email) = new_user(world, "alpha"), new_user(world, "beta")
    first = new_cohort(world, "alpha", [both, quiet], mentors=[mentor_id])
    second = new_cohort(world, "alpha", [both], mentors=[mentor_id])
    not_mine = new_cohort(world, "alpha", [stranger])
    quiet_client = sign_in(world, "alpha", quiet_email)
    page = quiet_client.get("/t/alpha/notifications/settings").get_data(as_text=True)
    every = dict.fromkeys(notifications.kinds_for(User(roles=[])), "email")
    quiet_client.post("/t/alpha/notifications/settings",
                      data={**every, "announcement": "in_app", "csrf_token": csrf_token(page)})
    mentor = sign_in(world, "alpha", mentor_email)
    page = mentor.get("/t/alpha/announcements/").get_data(as_text=True)
    assert f'value="{not_mine}"' not in page  # only the cohorts they mentor
    form = {"csrf_token": csrf_token(page), "key": re.search(r'name="key"[^>]*value="(\w+)"', page).group(1),
            "title": "Placement drive on Friday", "body": "Bring two copies of your CV."}
    refused = mentor.post("/t/alpha/announcements/", data={**form, "cohort_ids": [str(not_mine)]})
    assert refused.status_code == 422
    assert "Choose among the cohorts you mentor." in refused.get_data(as_text=True)
    empty = mentor.post("/t/alpha/announcements/", data={**form, "title": " ", "cohort_ids": [str(first)]})
    assert empty.status_code == 422 and "Give the announcement a subject." in empty.get_data(as_text=True)
    for _twice in range(2):  # a resubmitted form announces once
        sent = mentor.post("/t/alpha/announcements/", data={**form, "cohort_ids": [str(first), str(second)]})
        assert sent.status_code == 302
    settle()
    [row] = rows(world, "alpha", both)  # in two of the cohorts, told once
    assert (row.kind, row.title, row.email_status) == ("announcement", "Placement drive on Friday", "sent")
    [message] = outbox(world, "alpha", both_email)
    assert "Bring two copies of your CV." in message.get_body(("plain",)).get_content()
    [kept] = rows(world, "alpha", quiet)
    assert kept.email_status == "none" and outbox(world, "alpha", quiet_email) == []
    assert rows(world, "alpha", stranger) == [] and rows(world, "beta", beta_id) == []
    assert outbox(world, "beta", beta_email) == []
    candidate = sign_in(world, "alpha", both_email)
    assert candidate.get("/t/alpha/announcements/").status_code == 403
    assert bell(candidate.get("/t/alpha/notifications/").get_data(as_text=True)) == 1


def send_reminders(world, *args: str) -> str:
    """``aimi notifications send-reminders`` as cron or the scheduler runs it."""
    from aimi.web.cli import main

    result = CliRunner().invoke(main, ["notifications", "send-reminders", *args],
                                obj=ScriptInfo(create_app=lambda: world.app))
    assert result.exit_code == 0, result.output
    return result.output


def finish(world, slug: str, candidate_id: int, assignment_id: int, status: str = "submitted") -> None:
    with tenant_scope(world.tenants[slug]):
        tenant_session.add(Interview(candidate_id=candidate_id, assignment_id=assignment_id,
                                     role="software-engineer", type="technical", difficulty_mode="easy",
                                     num_questions=1, status=status, submitted_at=utcnow()))
        tenant_session.commit()


def test_due_soon_reminds_only_who_has_not_finished_and_only_once(world):
    (done, _), (started, started_email), (idle, idle_email) = (new_user(world, "alpha") for _ in range(3))
    cohort_id = new_cohort(world, "alpha", [done, started, idle])
    name = f"Mock {tag()}"
    soon = new_assignment(world, "alpha", cohort_id, name, utcnow() + timedelta(hours=20))
    new_assignment(world, "alpha", cohort_id, f"Later {tag()}", utcnow() + timedelta(hours=30))
    finish(world, "alpha", done, soon)
    finish(world, "alpha", started, soon, status="in_progress")  # started is not finished
    send_reminders(world, "--tenant", "alpha")
    assert rows(world, "alpha", done) == []
    for user_id, address in ((started, started_email), (idle, idle_email)):
        [row] = rows(world, "alpha", user_id)  # the assignment due in 30 h reminds nobody yet
        assert (row.kind, row.title, row.email_status) == ("assignment_due", f"Due soon: {name}", "sent")
        [message] = outbox(world, "alpha", address)
        assert message["Subject"] == f"Due soon: {name}"
        assert "you have not finished it yet" in message.get_body(("plain",)).get_content()
    again = send_reminders(world, "--tenant", "alpha")
    assert "alpha: 0 reminders sent" in again
    assert len(rows(world, "alpha", idle)) == 1 and len(outbox(world, "alpha", idle_email)) == 1
    page = sign_in(world, "alpha", idle_email).get("/t/alpha/notifications/").get_data(as_text=True)
    assert bell(page) == 1 and f"Due soon: {name}" in page


def due_soon_cohort(world) -> tuple[int, str, str]:
    """A new alpha candidate with an assignment due in 20 hours: (id, e-mail, its name)."""
    candidate, address = new_user(world, "alpha")
    name = f"Mock {tag()}"
    cohort_id = new_cohort(world, "alpha", [candidate])
    new_assignment(world, "alpha", cohort_id, name, utcnow() + timedelta(hours=20))
    return candidate, address, name


def ticks(redis_url: str) -> list[str]:
    connection = rq_wiring.connection(redis_url)
    waiting = [*ScheduledJobRegistry("notifications", connection=connection).get_job_ids(),
               *rq_wiring.queue("notifications", redis_url).job_ids]
    return [job_id for job_id in waiting if job_id.startswith(schedule.TICK_PREFIX)]


def test_rq_scheduler_runs_the_reminders_once_and_keeps_ticking(world, redis_url, monkeypatch):
    monkeypatch.setattr(schedule, "REMINDER_SECONDS", 3600)  # the test stays inside one period
    candidate, address, name = due_soon_cohort(world)
    with redis_app(world, redis_url) as app, app.app_context():
        drain(redis_url)
        rq_wiring.connection(redis_url).flushdb()
        first = schedule.ensure_scheduled(redis_url)  # as every worker and scheduler starts
        assert schedule.ensure_scheduled(redis_url) is None and ticks(redis_url) == [first]
        runner = app.test_cli_runner()
        assert runner.invoke(scheduler_command, ["--burst"]).exit_code == 0  # due now: queued
        drain(redis_url)  # the tick, then the reminder's mail
        [row] = rows(world, "alpha", candidate)
        assert (row.kind, row.title, row.email_status) == ("assignment_due", f"Due soon: {name}", "sent")
        [following] = ticks(redis_url)  # the tick scheduled its successor
        assert following != first
        assert schedule.tick()["alpha"]["reminders"] == 0  # a second scheduler's tick in the same period
        drain(redis_url)
        assert ticks(redis_url) == [following]  # both scheduled the same slot: one tick
    assert len(rows(world, "alpha", candidate)) == 1 and len(outbox(world, "alpha", address)) == 1


def test_without_redis_the_web_process_reminds_by_itself(world):
    candidate, address, name = due_soon_cohort(world)
    stop = schedule.start_in_process(world.portal, reminder_seconds=0.5, sweep_seconds=0.2)
    try:
        assert schedule.start_in_process(world.portal) is None  # one beat per app
        deadline = time.monotonic() + 30
        while not rows(world, "alpha", candidate) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # a few more beats: nothing sent twice
    finally:
        stop.set()
    [row] = rows(world, "alpha", candidate)
    assert (row.title, row.email_status) == (f"Due soon: {name}", "sent")
    assert len(outbox(world, "alpha", address)) == 1


def test_a_mail_staged_by_a_process_that_died_is_sent_by_the_next(world, cohort):
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
        session = tenant_session()  # staged and committed, but the process died before its pool ran it
        row = notifications.notify(session, kind="report_ready", key=tag(), title="Left behind", body="Hello",
                                   user=session.get(User, cohort["ids"][0]))
        session.info.pop("aimi_jobs_after_commit")
        session.flush()
        session.execute(update(Job).where(Job.idempotency_key == f"{notifications.DELIVER_KIND}:{row.id}")
                        .values(created_at=utcnow() - timedelta(minutes=5)))
        session.commit()
        row_id = row.id
    assert outbox(world, "alpha", cohort["emails"][0]) == []
    assert [found.split(":")[0] for found in background.sweep(world.portal)] == ["alpha"]
    [message] = outbox(world, "alpha", cohort["emails"][0])
    assert message["Subject"] == "Left behind"
    assert background.sweep(world.portal) == []  # done: nothing to sweep again
    assert [r.email_status for r in rows(world, "alpha", cohort["ids"][0]) if r.id == row_id] == ["sent"]


def test_overdue_reminds_once_and_old_assignments_stay_quiet(world):
    (idle, idle_email), (late, _) = new_user(world, "alpha"), new_user(world, "alpha")
    cohort_id = new_cohort(world, "alpha", [idle, late])
    name = f"Mock {tag()}"
    overdue = new_assignment(world, "alpha", cohort_id, name, utcnow() - timedelta(hours=2))
    new_assignment(world, "alpha", cohort_id, f"Last term {tag()}", utcnow() - timedelta(days=30))
    finish(world, "alpha", late, overdue, status="scored")
    send_reminders(world, "--tenant", "alpha")
    send_reminders(world, "--tenant", "alpha")
    [row] = rows(world, "alpha", idle)
    assert (row.kind, row.title) == ("assignment_overdue", f"Overdue: {name}")
    assert len(outbox(world, "alpha", idle_email)) == 1
    assert rows(world, "alpha", late) == []


def test_reminders_follow_the_preference(world):
    (quiet, quiet_email), (inbox_only, inbox_email) = new_user(world, "alpha"), new_user(world, "alpha")
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        notifications.set_preferences(session, session.get(User, quiet), {"assignment_due": "off"})
        notifications.set_preferences(session, session.get(User, inbox_only), {"assignment_due": "in_app"})
        session.commit()
    new_assignment(world, "alpha", new_cohort(world, "alpha", [quiet, inbox_only]), f"Mock {tag()}",
                   utcnow() + timedelta(hours=3))
    send_reminders(world, "--tenant", "alpha")
    assert rows(world, "alpha", quiet) == [] and outbox(world, "alpha", quiet_email) == []
    [row] = rows(world, "alpha", inbox_only)
    assert (row.kind, row.email_status) == ("assignment_due", "none")
    assert outbox(world, "alpha", inbox_email) == []


def test_reminders_of_one_tenant_leave_the_other_untouched(world):
    beta_id, beta_email = new_user(world, "beta")
    new_assignment(world, "beta", new_cohort(world, "beta", [beta_id]), f"Mock {tag()}",
                   utcnow() + timedelta(hours=5))
    output = send_reminders(world, "--tenant", "alpha")
    assert "beta" not in output
    assert rows(world, "beta", beta_id) == [] and outbox(world, "beta", beta_email) == []
    assert "beta: 1 reminder sent" in send_reminders(world)  # every active tenant
    [row] = rows(world, "beta", beta_id)
    assert row.kind == "assignment_due" and len(outbox(world, "beta", beta_email)) == 1


def test_send_reminders_names_an_unknown_tenant(world):
    from aimi.web.cli import main

    result = CliRunner().invoke(main, ["notifications", "send-reminders", "--tenant", "nowhere"],
                                obj=ScriptInfo(create_app=lambda: world.app))
    assert result.exit_code == 2 and "no tenant with slug 'nowhere'" in result.output


def unsubscribe_path(message) -> str:
    """The path of a mail's List-Unsubscribe URL (the test client has no host)."""
    return urlparse(message["List-Unsubscribe"].strip("<>")).path


def test_non_essential_mail_carries_one_click_unsubscribe(world, cohort):
    assign(world, "alpha", cohort["id"])
    [message] = outbox(world, "alpha", cohort["emails"][0])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://localhost:5000/t/alpha/notifications/unsubscribe/")
    [raw] = mail.outbox_files(world.settings.instance_path / "outbox" / "alpha", cohort["emails"][0])
    assert f"\nList-Unsubscribe: <{url}>\n".encode() in raw.read_bytes()  # as clients read it, unfolded
    text = message.get_body(("plain",)).get_content()
    assert url in text and "http://localhost:5000/t/alpha/notifications/settings" in text
    [other] = outbox(world, "alpha", cohort["emails"][1])
    assert unsubscribe_path(other) != unsubscribe_path(message)  # per user


def test_one_click_post_turns_the_kinds_email_off_without_signing_in(world, cohort):
    assign(world, "alpha", cohort["id"])
    [message] = outbox(world, "alpha", cohort["emails"][0])
    path, client = unsubscribe_path(message), world.client()
    page = client.get(path)
    assert page.status_code == 200 and "A new assignment for your cohort" in page.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):  # a GET never writes
        assert notifications.preferences(tenant_session(), tenant_session.get(User, cohort["ids"][0])) \
            ["assignment_published"] == "email"
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # as a mail client posts it
    assert done.status_code == 200 and "no longer receive" in done.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        chosen = notifications.preferences(tenant_session(), tenant_session.get(User, cohort["ids"][0]))
    assert chosen["assignment_published"] == "in_app" and chosen["review_finished"] == "email"
    assert client.post(path).status_code == 200  # a second click changes nothing and does not fail
    name = assign(world, "alpha", cohort["id"])
    assert len(outbox(world, "alpha", cohort["emails"][0])) == 1  # no new mail, but the inbox has it
    assert rows(world, "alpha", cohort["ids"][0])[-1].title == f"New assignment: {name}"
    assert len(outbox(world, "alpha", cohort["emails"][1])) == 2  # the other candidate still gets mail


def test_an_alpha_unsubscribe_token_does_nothing_on_beta(world, cohort):
    assign(world, "alpha", cohort["id"])
    [message] = outbox(world, "alpha", cohort["emails"][0])
    token = unsubscribe_path(message).rsplit("/", 1)[1]
    for method in ("get", "post"):
        resp = getattr(world.client(), method)(f"/t/beta/notifications/unsubscribe/{token}")
        assert resp.status_code == 400
        assert "not for this college" in resp.get_data(as_text=True)
    with tenant_scope(world.tenants["beta"]):  # beta's user with the same id is untouched
        beta_user = tenant_session.get(User, cohort["ids"][0])
        if beta_user is not None:
            assert notifications.preferences(tenant_session(), beta_user)["assignment_published"] == "email"
    with tenant_scope(world.tenants["alpha"]):
        assert notifications.preferences(tenant_session(), tenant_session.get(User, cohort["ids"][0])) \
            ["assignment_published"] == "email"


def test_a_tampered_unsubscribe_token_is_refused_with_a_clear_page(world, cohort):
    assign(world, "alpha", cohort["id"])
    [message] = outbox(world, "alpha", cohort["emails"][0])
    path = unsubscribe_path(message)
    base, token = path.rsplit("/", 1)
    payload, signature = token.split(".")
    changed = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    forged = f"{base}/{changed}.{signature}"
    for url in (forged, path[:-3], f"{base}/nonsense"):
        resp = world.client().post(url)
        assert resp.status_code == 400, url
        assert "This unsubscribe link is not valid" in resp.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        for user_id in cohort["ids"]:
            assert notifications.preferences(tenant_session(), tenant_session.get(User, user_id)) \
                ["assignment_published"] == "email"


def public_key(private: ec.EllipticCurvePrivateKey) -> str:
    """The key as SendGrid shows it (base64 DER)."""
    return base64.b64encode(private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


def signed(private: ec.EllipticCurvePrivateKey, events: list[dict], age: float = 0) -> tuple[bytes, dict]:
    """A request body and headers as SendGrid's Signed Event Webhook sends them, signed
    ``age`` seconds ago."""
    payload, stamp = json.dumps(events), str(int(time.time() - age))
    signature = private.sign((stamp + payload).encode(), ec.ECDSA(hashes.SHA256()))
    return payload.encode(), {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                              "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
                              "Content-Type": "application/json"}


@pytest.fixture
def webhook_key(change_plugin):
    """A key pair made here; alpha's SendGrid plugin holds its public half (no API key:
    mail still goes to the outbox) for this test."""
    private = ec.generate_private_key(ec.SECP256R1())
    change_plugin("alpha", "sendgrid_mail", True, {"webhook_key": public_key(private)})
    return private


def post_events(world, slug: str, body: bytes, headers: dict):
    return world.client().post(f"/t/{slug}/webhooks/sendgrid", data=body, headers=headers)


def suppressed_addresses(world, slug: str) -> dict[str, str]:
    from aimi.tenants.notification_models import EmailSuppression

    with tenant_scope(world.tenants[slug]):
        return dict(tenant_session.execute(select(EmailSuppression.email, EmailSuppression.reason)).all())


def test_a_signed_bounce_suppresses_mail_and_admins_see_why(world, cohort, webhook_key):
    bounced, kept = cohort["emails"]
    resp = post_events(world, "alpha", *signed(webhook_key, [
        {"email": bounced, "event": "bounce", "type": "bounce", "reason": "550 5.1.1 mailbox unknown",
         "aimi_tenant": "alpha"},
        {"email": kept, "event": "delivered", "aimi_tenant": "alpha"},
        {"email": kept, "event": "bounce", "type": "blocked", "aimi_tenant": "alpha"}]))  # temporary
    assert resp.status_code == 200 and resp.get_json() == {"suppressed": 1}
    assert suppressed_addresses(world, "alpha").get(bounced) == "bounce"
    assert kept not in suppressed_addresses(world, "alpha")
    name = assign(world, "alpha", cohort["id"])
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert (row.in_app, row.email_status, row.email_error) == (True, "suppressed", "The address bounced")
    assert outbox(world, "alpha", bounced) == [] and len(outbox(world, "alpha", kept)) == 1
    assert f"New assignment: {name}" in sign_in(world, "alpha", bounced).get("/t/alpha/notifications/") \
        .get_data(as_text=True)
    admin = world.login("alpha", "admin")
    page = admin.get("/t/alpha/manage/suppressions").get_data(as_text=True)
    assert bounced in page and "The address bounced" in page and "550 5.1.1 mailbox unknown" in page
    client = world.client()  # essential mail still goes: a reset must stay possible
    form = client.get("/t/alpha/reset").get_data(as_text=True)
    client.post("/t/alpha/reset", data={"email": bounced, "csrf_token": csrf_token(form)})
    assert len(outbox(world, "alpha", bounced)) == 1
    suppression_id = re.search(rf'id="suppression-(\d+)">\s*<td[^>]*>[^<]*</td>\s*<td>{re.escape(bounced)}<',
                               page).group(1)
    resp = admin.post(f"/t/alpha/manage/suppressions/{suppression_id}/remove",
                      data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 302 and bounced not in suppressed_addresses(world, "alpha")
    assign(world, "alpha", cohort["id"])
    assert len(outbox(world, "alpha", bounced)) == 2  # mailed again


def test_unsigned_forged_or_changed_events_are_refused(world, cohort, webhook_key):
    events = [{"email": cohort["emails"][0], "event": "spamreport", "aimi_tenant": "alpha"}]
    body, headers = signed(webhook_key, events)
    stranger = ec.generate_private_key(ec.SECP256R1())
    changed = body.replace(cohort["emails"][0].encode(), cohort["emails"][1].encode())
    for attempt_body, attempt_headers in ((body, {"Content-Type": "application/json"}),
                                          signed(stranger, events), (changed, headers)):
        resp = post_events(world, "alpha", attempt_body, attempt_headers)
        assert resp.status_code == 403
        assert "signature does not match" in resp.get_data(as_text=True)
    assert not set(cohort["emails"]) & set(suppressed_addresses(world, "alpha"))
    assert post_events(world, "alpha", body, headers).status_code == 200
    assert suppressed_addresses(world, "alpha")[cohort["emails"][0]] == "spamreport"


def test_stale_or_replayed_events_are_refused_with_a_clear_400(world, cohort, webhook_key):
    bounce = [{"email": cohort["emails"][1], "event": "bounce", "type": "bounce", "reason": "550 gone",
               "aimi_tenant": "alpha", "timestamp": int(time.time())}]
    stale = post_events(world, "alpha", *signed(webhook_key, bounce, age=3600))
    assert stale.status_code == 400 and "signed 3600 s ago" in stale.get_data(as_text=True)
    ahead = post_events(world, "alpha", *signed(webhook_key, bounce, age=-3600))
    assert ahead.status_code == 400 and "in the future" in ahead.get_data(as_text=True)
    assert cohort["emails"][1] not in suppressed_addresses(world, "alpha")
    body, headers = signed(webhook_key, bounce)
    assert post_events(world, "alpha", body, headers).status_code == 200
    assert cohort["emails"][1] in suppressed_addresses(world, "alpha")
    admin = world.login("alpha", "admin")  # the admin lifts it ("Mail again")...
    page = admin.get("/t/alpha/manage/suppressions").get_data(as_text=True)
    lift = re.search(r'action="(/t/alpha/manage/suppressions/\d+/remove)"', page).group(1)
    assert admin.post(lift, data={"csrf_token": csrf_token(page)}).status_code == 302
    replay = post_events(world, "alpha", body, headers)  # ...and a replay does not undo it
    assert replay.status_code == 400 and "received already" in replay.get_data(as_text=True)
    assert cohort["emails"][1] not in suppressed_addresses(world, "alpha")


def test_events_never_cross_tenants(world, cohort, webhook_key, change_plugin):
    events = [{"email": cohort["emails"][0], "event": "unsubscribe", "aimi_tenant": "alpha"}]
    assert post_events(world, "beta", *signed(webhook_key, events)).status_code == 403  # beta has no key
    change_plugin("beta", "sendgrid_mail", True, {"webhook_key": public_key(webhook_key)})  # one account
    resp = post_events(world, "beta", *signed(webhook_key, events))
    assert resp.status_code == 200 and resp.get_json() == {"suppressed": 0}  # alpha's message: ignored
    assert cohort["emails"][0] not in suppressed_addresses(world, "beta")
    assert cohort["emails"][0] not in suppressed_addresses(world, "alpha")
    beta = world.login("beta", "admin").get("/t/beta/manage/suppressions").get_data(as_text=True)
    assert cohort["emails"][0] not in beta
