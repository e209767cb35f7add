"""Each user's own time zone: chosen on their page from the list (anything else refused
with a clear message), used by the pages they read, and by the due dates their mail and
inbox show, named; without one, the college's."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from helpers import csrf_token, sign_in, tag
from job_helpers import settle
from score_helpers import new_cohort, new_user
from sqlalchemy import select

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import format_local, format_named, to_local, utcnow
from aimi.tenants import notifications
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Assignment, InterviewTemplate
from aimi.tenants.models import User
from aimi.tenants.notification_models import Notification

PAGE = "/t/alpha/account/time-zone/"


def choose(client, zone: str):
    page = client.get(PAGE).get_data(as_text=True)
    return client.post(PAGE, data={"timezone": zone, "csrf_token": csrf_token(page)})


def zone_of(world, user_id: int) -> str | None:
    with tenant_scope(world.tenants["alpha"]):
        return tenant_session.get(User, user_id).timezone


def test_a_user_chooses_a_zone_from_the_list_and_pages_use_it(world):
    user_id, address = new_user(world, "alpha")
    client = sign_in(world, "alpha", address)
    page = client.get(PAGE).get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        college = tenant_settings.load(tenant_session()).timezone
    assert f"The college's time zone ({college})" in page and ">Asia/Kolkata</option>" in page
    assert ">US/Pacific</option>" not in page  # legacy aliases are not offered
    refused = choose(client, "Mars/Olympus_Mons")
    assert refused.status_code == 422
    assert "&#39;Mars/Olympus_Mons&#39; is not a time zone in the list" in refused.get_data(as_text=True)
    assert zone_of(world, user_id) is None  # nothing written
    assert choose(client, "America/New_York").status_code == 302
    assert zone_of(world, user_id) == "America/New_York"
    assert 'value="America/New_York" selected' in client.get(PAGE).get_data(as_text=True)
    with world.portal.app_context(), tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        row = notifications.notify(session, kind="report_ready", key=tag(), title="Zoned", body="Hello",
                                   user=session.get(User, user_id))
        session.commit()
        stamp = format_local(row.created_at, "America/New_York")
    settle()
    assert stamp.endswith(("EST", "EDT"))
    assert stamp in client.get("/t/alpha/notifications/").get_data(as_text=True)
    jobs_note = world.login("alpha", "admin").get("/t/alpha/manage/jobs").get_data(as_text=True)
    assert f"Times are in {college}." in jobs_note  # the admin chose none: the college's
    assert choose(client, "").status_code == 302  # back to the college's
    assert zone_of(world, user_id) is None


def test_a_choice_is_the_users_own_in_their_college_only(world):
    user_id, address = new_user(world, "alpha")
    client = sign_in(world, "alpha", address)
    assert choose(client, "Asia/Tokyo").status_code == 302
    assert client.get("/t/beta/account/time-zone/").status_code in (302, 401)  # alpha's session is not beta's
    other_id, other = new_user(world, "alpha")
    assert zone_of(world, other_id) is None and zone_of(world, user_id) == "Asia/Tokyo"
    assert 'value="" selected' in sign_in(world, "alpha", other).get(PAGE).get_data(as_text=True)


def test_due_dates_in_mail_and_inbox_are_on_each_recipients_clock(world):
    (abroad, abroad_email), (home, home_email) = new_user(world, "alpha"), new_user(world, "alpha")
    assert choose(sign_in(world, "alpha", abroad_email), "America/New_York").status_code == 302
    cohort = new_cohort(world, "alpha", [abroad, home])
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        college = tenant_settings.load(session).timezone
        template = InterviewTemplate(name=f"Mock {tag()}", role="software-engineer", type="technical",
                                     difficulty="easy", num_questions=1, published=True)
        session.add(template)
        session.commit()
        template_id = template.id
    admin, url = world.login("alpha", "admin"), "/t/alpha/templates/assignments"
    due = (to_local(utcnow() + timedelta(days=3), college)).strftime("%Y-%m-%dT%H:%M")
    resp = admin.post(url, data={"csrf_token": csrf_token(admin.get(url).get_data(as_text=True)),
                                 "template_id": str(template_id), "cohort_id": str(cohort), "due_at": due,
                                 "attempt_limit": "1"})
    assert resp.status_code == 302
    settle()
    with tenant_scope(world.tenants["alpha"]):
        due_at = tenant_session.scalar(select(Assignment.due_at).where(Assignment.cohort_id == cohort))
    for user_id, address, zone in ((abroad, abroad_email, "America/New_York"), (home, home_email, college)):
        shown = format_named(due_at, zone)
        with tenant_scope(world.tenants["alpha"]):
            [body] = tenant_session.scalars(select(Notification.body).where(Notification.user_id == user_id))
        assert f"it is due {shown}" in body
        [file] = mail.outbox_files(world.settings.instance_path / "outbox" / "alpha", address)
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert f"it is due {shown}" in message.get_body(("plain",)).get_content()
        inbox = sign_in(world, "alpha", address).get("/t/alpha/notifications/").get_data(as_text=True)
        assert f"it is due {shown}" in inbox
    assert "(America/New_York)" in format_named(due_at, "America/New_York")
