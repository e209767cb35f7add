"""Notifications through the real pages and jobs: an assignment, a finished review and a
scored interview notify the candidate (inbox, bell, and mail through the outbox or SMTP
by a job on the notifications queue); preferences per kind; provider failures retried or
shown on the jobs page; and isolation (between tenants and between users)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
from job_helpers import drain, queued_ids, redis_app
from score_helpers import new_cohort, new_user, sign_in, tag
from sendgrid_server import sendgrid_server
from smtp_server import smtp_server
from sqlalchemy import func, select

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import to_local, utcnow
from aimi.plugins import settings as plugin_settings
from aimi.tenants import interviews, notifications
from aimi.tenants.interview_models import Interview, InterviewAnswer, InterviewTemplate
from aimi.tenants.models import Job, User
from aimi.tenants.notification_models import Notification
from conftest import csrf_token


def publish_template(world, slug: str) -> tuple[int, str]:
    name = f"Mock {tag()}"
    with tenant_scope(world.tenants[slug]):
        row = InterviewTemplate(name=name, role="software-engineer", type="technical", difficulty="easy",
                                num_questions=1, published=True)
        tenant_session.add(row)
        tenant_session.commit()
        return row.id, name


def assign(world, slug: str, cohort_id: int, client=None) -> str:
    """An admin assigns a new published template to the cohort through the page."""
    template_id, name = publish_template(world, slug)
    admin, url = world.login(slug, "admin", client=client), f"/t/{slug}/templates/assignments"
    page = admin.get(url)
    due = (to_local(utcnow() + timedelta(days=3), "UTC")).strftime("%Y-%m-%dT%H:%M")
    resp = admin.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                 "template_id": str(template_id), "cohort_id": str(cohort_id),
                                 "due_at": due, "attempt_limit": "2"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return name


def outbox(world, slug: str, address: str) -> list[email.message.EmailMessage]:
    folder = world.settings.instance_path / "outbox" / slug
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in mail.outbox_files(folder, address)]


def bell(html: str) -> int:
    found = re.search(r'aria-label="Notifications, (\d+) unread"', html)
    assert found, "no bell in the header"
    return int(found.group(1))


def rows(world, slug: str, user_id: int) -> list[Notification]:
    with tenant_scope(world.tenants[slug]):
        found = list(tenant_session.scalars(select(Notification).where(Notification.user_id == user_id)
                                            .order_by(Notification.id)))
        tenant_session.expunge_all()
        return found


def job_of(world, slug: str, notification_id: int) -> Job:
    with tenant_scope(world.tenants[slug]):
        job = tenant_session.scalar(select(Job).where(
            Job.idempotency_key == f"{notifications.DELIVER_KIND}:{notification_id}"))
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
        assert "/t/alpha/dashboard" in message.get_content()
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
        [row] = rows(world, "alpha", cohort["ids"][0])
        assert row.email_status == "queued"
        assert f"alpha_{job_of(world, 'alpha', row.id).id}" in queued_ids(redis_url, "notifications")
        with app.app_context():  # as `aimi worker` runs its jobs
            drain(redis_url)
    [message] = outbox(world, "alpha", cohort["emails"][0])
    assert message["Subject"] == f"New assignment: {name}"
    assert rows(world, "alpha", cohort["ids"][0])[0].email_status == "sent"


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
    resp = client.post(url, data={"csrf_token": csrf_token(page), "assignment_published": "in_app",
                                  "review_finished": "off", "report_ready": "email",
                                  "data_export": "email"})
    assert resp.status_code == 302
    assign(world, "alpha", cohort["id"])
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert (row.in_app, row.email_status) == (True, "none")
    assert outbox(world, "alpha", cohort["emails"][0]) == []
    assert len(outbox(world, "alpha", cohort["emails"][1])) == 1  # the other kept the default
    page = client.get(url).get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": csrf_token(page), "assignment_published": "pigeon",
                                 "review_finished": "email", "report_ready": "email"})
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
        notifications.set_preferences(session, session.get(User, cohort["ids"][0]),
                                      dict.fromkeys(notifications.OPTIONAL_KINDS, "off"))
        session.commit()
    client = world.client()
    page = client.get("/t/alpha/reset").get_data(as_text=True)
    resp = client.post("/t/alpha/reset", data={"email": cohort["emails"][0], "csrf_token": csrf_token(page)})
    assert resp.status_code in (200, 302)
    [message] = outbox(world, "alpha", cohort["emails"][0])
    assert "/t/alpha/reset/" in message.get_body(("plain",)).get_content()
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert (row.kind, row.essential, row.in_app, row.email_status) == ("account", True, False, "sent")


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
    assert f"/t/alpha/interviews/{interview_id}/report" in message.get_content()


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


def test_smtp_transient_refusal_is_retried_then_sent(world, cohort):
    portal, settings = world.portal, world.portal.extensions["aimi_settings"]
    with smtp_server() as server:
        server.rcpt_replies = ["451 4.3.0 try later"]
        portal.extensions["aimi_settings"] = settings.with_(smtp_url=server.url)
        try:
            with portal.app_context(), tenant_scope(world.tenants["alpha"]):
                session = tenant_session()
                candidate = session.get(User, cohort["ids"][0])
                row = notifications.notify(session, kind="report_ready", key=tag(), user=candidate,
                                           title="Over SMTP", body="Hello")
                session.commit()
                row_id = row.id
        finally:
            portal.extensions["aimi_settings"] = settings
        assert len(server.accepted) == 1 and "Subject: Over SMTP" in server.accepted[0]
    [stored] = [r for r in rows(world, "alpha", cohort["ids"][0]) if r.id == row_id]
    assert stored.email_status == "sent"
    job = job_of(world, "alpha", row_id)
    assert (job.status, job.attempts) == ("done", 2)


def test_smtp_permanent_refusal_fails_visibly_on_the_jobs_page(world, cohort):
    portal, settings = world.portal, world.portal.extensions["aimi_settings"]
    with smtp_server() as server:
        server.rcpt_replies = ["550 5.1.1 mailbox unknown"]
        portal.extensions["aimi_settings"] = settings.with_(smtp_url=server.url)
        try:
            name = assign(world, "alpha", new_cohort(world, "alpha", [cohort["ids"][0]]))
        finally:
            portal.extensions["aimi_settings"] = settings
        assert server.accepted == []
    [row] = rows(world, "alpha", cohort["ids"][0])
    assert row.email_status == "failed" and "550 5.1.1 mailbox unknown" in row.email_error
    job = job_of(world, "alpha", row.id)
    assert (job.status, job.attempts) == ("failed", 1)
    page = world.login("alpha", "admin").get("/t/alpha/manage/jobs?status=failed").get_data(as_text=True)
    assert "550 5.1.1 mailbox unknown" in page
    candidate = sign_in(world, "alpha", cohort["emails"][0])
    assert f"New assignment: {name}" in candidate.get("/t/alpha/notifications/").get_data(as_text=True)


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


def _sendgrid_for(world, slug: str, options: dict) -> None:
    with tenant_scope(world.tenants[slug]):
        plugin_settings.save(tenant_session(), "sendgrid_mail", True, options)
        tenant_session.commit()


@pytest.fixture
def sendgrid(world, monkeypatch):
    with sendgrid_server() as server:
        monkeypatch.setenv("AIMI_SENDGRID_API_HOST", server.url)
        _sendgrid_for(world, "alpha", {"api_key": "SG.test-key",
                                       "sender": "placements@alpha.example.com"})
        try:
            yield server
        finally:
            _sendgrid_for(world, "alpha", {"api_key": "", "sender": ""})


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


def test_sendgrid_of_alpha_never_sends_for_beta(world, sendgrid):
    beta_id, beta_email = new_user(world, "beta")
    assign(world, "beta", new_cohort(world, "beta", [beta_id]))
    assert sendgrid.requests == []  # beta has no key: its own outbox
    assert len(outbox(world, "beta", beta_email)) == 1
