"""The announcement history (who sent what to which cohorts, when, how far it got; admins
see all, mentors theirs and their cohorts'; paginated; one college's never another's) and
re-sending mail in doubt from the jobs page (only uncertain mail, after a confirmation
that says it may arrive twice; audited)."""

from __future__ import annotations

import re

import pytest
from helpers import csrf_token, sign_in, tag
from job_helpers import settle
from score_helpers import new_cohort, new_user
from sqlalchemy import select, update

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins import jobs
from aimi.tenants import notices, notifications
from aimi.tenants.models import AuditLog, Cohort, Job, User
from aimi.tenants.notification_models import Notification


def announce(world, slug: str, client, cohort_ids: list[int], title: str) -> None:
    page = client.get(f"/t/{slug}/announcements/").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "key": re.search(r'name="key"[^>]*value="(\w+)"', page).group(1),
            "title": title, "body": f"About {title}.", "cohort_ids": [str(c) for c in cohort_ids]}
    assert client.post(f"/t/{slug}/announcements/", data=form).status_code == 302


def row_of(page: str, title: str) -> str:
    found = re.search(r'<tr id="announcement-\d+">(?:(?!</tr>).)*?' + re.escape(title) + r".*?</tr>", page,
                      re.S)
    assert found, f"{title} is not in the history"
    return found.group(0)


@pytest.fixture(scope="module")
def college(world) -> dict:
    slug = f"history-{tag()}"
    world.tenants[slug] = world.new_tenant(slug, "History College")
    (first, first_email), (second, second_email) = (new_user(world, slug, "mentor") for _ in range(2))
    (mailed, _), (inbox_only, inbox_email), (other, _) = (new_user(world, slug) for _ in range(3))
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        notifications.set_preferences(session, session.get(User, inbox_only), {"announcement": "in_app"})
        session.commit()
    mine = new_cohort(world, slug, [mailed, inbox_only], mentors=[first], name="CSE 2027")
    theirs = new_cohort(world, slug, [other], mentors=[second], name="ECE 2027")
    announce(world, slug, sign_in(world, slug, first_email), [mine], "Mock drive on Friday")
    announce(world, slug, world.login(slug, "admin"), [theirs], "Lab closed on Monday")
    settle()
    return {"slug": slug, "first": first_email, "second": second_email}


def history(client, slug: str) -> str:
    return client.get(f"/t/{slug}/announcements/history").get_data(as_text=True)


def test_mentors_see_their_own_and_their_cohorts_announcements_with_delivery(world, college):
    slug = college["slug"]
    page = history(sign_in(world, slug, college["first"]), slug)
    row = row_of(page, "Mock drive on Friday")
    cells = re.findall(r'<td class="num"[^>]*>(\d+)', row)
    assert cells == ["2", "1", "1", "0"]  # recipients, e-mailed, inbox only, not e-mailed
    assert "CSE 2027" in row and "About Mock drive on Friday." in row
    assert "Lab closed on Monday" not in page  # the admin's, to a cohort this mentor does not mentor
    other = history(sign_in(world, slug, college["second"]), slug)
    assert "Lab closed on Monday" in other and "Mock drive on Friday" not in other
    admin = world.login(slug, "admin").get(f"/t/{slug}/announcements/history").get_data(as_text=True)
    assert "Lab closed on Monday" in admin and "Mock drive on Friday" in admin
    assert "ECE 2027" in row_of(admin, "Lab closed on Monday")


def test_the_history_is_paginated_and_stays_in_its_college(world, college):
    slug = college["slug"]
    empty = new_cohort(world, slug, [])
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        sender = session.scalar(select(User).where(User.email == world.email(slug, "admin")))
        cohort = session.get(Cohort, empty)
        for number in range(26):
            notices.stage_announcement(session, sender, [cohort], title=f"Old notice {number:02d}",
                                       body="Old.", key=f"old-{tag()}")
        session.commit()
    settle()
    admin = world.login(slug, "admin")
    first = admin.get(f"/t/{slug}/announcements/history").get_data(as_text=True)
    assert "28 announcements" in first and first.count('<tr id="announcement-') == 25
    second = admin.get(f"/t/{slug}/announcements/history?page=2").get_data(as_text=True)
    assert second.count('<tr id="announcement-') == 3
    beta = world.login("beta", "admin").get("/t/beta/announcements/history").get_data(as_text=True)
    assert "Mock drive on Friday" not in beta and "Old notice" not in beta
    candidate = sign_in(world, slug, new_user(world, slug)[1])
    assert candidate.get(f"/t/{slug}/announcements/history").status_code == 403


def stopped_while_sending(world, slug: str, user_id: int) -> tuple[int, str]:
    """A mail whose worker stopped inside the provider call, then found by the next run:
    the notification is uncertain and its job failed, as after a killed worker."""
    with world.portal.app_context(), tenant_scope(world.tenants[slug]):
        session = tenant_session()
        row = notifications.notify(session, kind="report_ready", key=tag(), title="Your report, maybe",
                                   body="Hello", user=session.get(User, user_id))
        session.info.pop("aimi_jobs_after_commit")  # not dispatched: the "worker" below runs it
        session.flush()
        session.execute(update(Notification).where(Notification.id == row.id).values(email_status="sending"))
        session.commit()
        job_id = session.scalar(select(Job.id).where(
            Job.idempotency_key == f"{notifications.DELIVER_KIND}:{row.id}"))
        row_id = row.id
    with world.portal.app_context():
        jobs.run_here(slug, job_id)
    return row_id, job_id


def test_mail_in_doubt_is_sent_again_only_when_the_admin_confirms(world):
    user_id, address = new_user(world, "alpha")
    row_id, job_id = stopped_while_sending(world, "alpha", user_id)
    folder = world.settings.instance_path / "outbox" / "alpha"
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Notification, row_id).email_status == "uncertain"
        assert tenant_session.get(Job, job_id).status == "failed"
    admin = world.login("alpha", "admin")
    page = admin.get("/t/alpha/manage/jobs?status=failed").get_data(as_text=True)
    row = re.search(rf'<tr id="job-{job_id}">.*?</tr>', page, re.S).group(0)
    assert ">Re-send<" in row and ">Re-run<" not in row
    assert "Send 1 e-mail again? A worker stopped while handing it to the provider, so its recipient may " \
           "already have it and may get it twice." in row
    assert mail.outbox_files(folder, address) == []
    beta = world.login("beta", "admin")
    beta_token = csrf_token(beta.get("/t/beta/manage/jobs").get_data(as_text=True))
    refused = beta.post(f"/t/beta/manage/jobs/{job_id}/resend-uncertain", data={"csrf_token": beta_token})
    assert refused.status_code == 404  # alpha's job is not found on beta
    token = csrf_token(page)
    sent = admin.post(f"/t/alpha/manage/jobs/{job_id}/resend-uncertain", data={"csrf_token": token})
    assert sent.status_code == 302
    settle()
    assert len(mail.outbox_files(folder, address)) == 1
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Notification, row_id).email_status == "sent"
        entry = tenant_session.scalar(select(AuditLog).where(AuditLog.action == "job.resend_uncertain",
                                                             AuditLog.target_id == job_id))
        assert entry.details["emails"] == [address] and entry.details["notifications"] == [row_id]
    again = admin.post(f"/t/alpha/manage/jobs/{job_id}/resend-uncertain", data={"csrf_token": token},
                       follow_redirects=True)
    assert "only failed or stalled jobs can be re-run" in again.get_data(as_text=True)
    assert len(mail.outbox_files(folder, address)) == 1  # never a third time by accident


def test_a_failed_job_without_mail_in_doubt_cannot_be_resent(world):
    user_id, _address = new_user(world, "alpha")
    row_id, job_id = stopped_while_sending(world, "alpha", user_id)
    with tenant_scope(world.tenants["alpha"]):  # refused by the provider meanwhile: not in doubt
        tenant_session.execute(update(Notification).where(Notification.id == row_id)
                               .values(email_status="failed", email_error="550 no such user"))
        tenant_session.commit()
    admin = world.login("alpha", "admin")
    token = csrf_token(admin.get("/t/alpha/manage/jobs").get_data(as_text=True))
    page = admin.post(f"/t/alpha/manage/jobs/{job_id}/resend-uncertain", data={"csrf_token": token},
                      follow_redirects=True).get_data(as_text=True)
    assert "This job has no e-mail in doubt" in page
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Job, job_id).status == "failed"  # nothing queued again
        assert tenant_session.get(Notification, row_id).email_status == "failed"
