"""Weekly digests on a college of their own (so every figure is known): mentors hear of
answers waiting and their cohorts' open assignments, admins of the week's usage against
the week before; once per ISO week and person however many ticks or schedulers run;
nothing to someone with nothing to hear about; each digest follows its reader's choice;
one college's digest never counts another's data; admins preview both."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from datetime import datetime, time, timedelta

import pytest
from helpers import csrf_token, sign_in, tag
from job_helpers import settle
from score_helpers import answer_report, new_assignment, new_cohort, new_user, scored_interview
from sqlalchemy import select

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import from_local, to_local, utcnow
from aimi.plugins import schedule
from aimi.tenants import digests, notifications
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import InterviewAnswer, MentorReview
from aimi.tenants.models import User
from aimi.tenants.notification_models import Notification

ZONE = "Asia/Kolkata"


def monday_after(when: datetime, zone: str, hour: int) -> datetime:
    """The next Monday at ``hour`` on the college's clock after ``when``, as stored (UTC)."""
    local = to_local(when, zone).replace(tzinfo=None)
    monday = local.date() - timedelta(days=local.weekday()) + timedelta(days=7)
    return from_local(datetime.combine(monday, time(hour)), zone)


@pytest.fixture(scope="module")
def college(world) -> dict:
    """A college in India's time zone with, this week: two mentors with a cohort each (one
    with answers and an open assignment, one with nothing), a mentor who turned digests off,
    a second admin reading them in the inbox only, three interviews and a finished review;
    the week before, one interview."""
    slug = f"digest-{tag()}"
    world.tenants[slug] = world.new_tenant(slug, "Digest College")
    with tenant_scope(world.tenants[slug]):
        tenant_settings.save(tenant_session(), {"timezone": ZONE})
        tenant_session.commit()
    (busy, busy_email), (idle, idle_email), (quiet, quiet_email) = (
        new_user(world, slug, "mentor") for _ in range(3))
    (admin2, admin2_email) = new_user(world, slug, "admin")
    (one, _), (two, _), (three, _) = (new_user(world, slug) for _ in range(3))
    cohort = new_cohort(world, slug, [one, two], mentors=[busy, quiet], name="CSE 2027")
    new_cohort(world, slug, [three], mentors=[idle], name="Quiet cohort")
    now = utcnow()
    week = digests.week_of(to_local(now, ZONE).date() - timedelta(days=to_local(now, ZONE).weekday()), ZONE)
    open_one = new_assignment(world, slug, cohort, "Open mock", now + timedelta(days=30))
    new_assignment(world, slug, cohort, "Closed mock", now - timedelta(days=30))
    during = week.start + timedelta(hours=1)
    report = [answer_report({"content": 60, "structure": 70})]
    scored_interview(world, slug, one, during, report, assignment_id=open_one)
    scored_interview(world, slug, one, during, report)
    reviewed = scored_interview(world, slug, two, during, report)
    scored_interview(world, slug, two, week.start - timedelta(days=2), report)  # the week before
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        answer = session.scalar(select(InterviewAnswer).where(InterviewAnswer.interview_id == reviewed))
        session.add(MentorReview(answer_id=answer.id, mentor_id=busy, status="reviewed", scores={},
                                 updated_at=during))
        notifications.set_preferences(session, session.get(User, quiet), {"digest_mentor": "off"})
        notifications.set_preferences(session, session.get(User, admin2), {"digest_admin": "in_app"})
        session.commit()
    return {"slug": slug, "busy": (busy, busy_email), "idle": (idle, idle_email),
            "quiet": (quiet, quiet_email), "admin": world.email(slug, "admin"),
            "admin2": (admin2, admin2_email), "week": week,
            "at": monday_after(now, ZONE, 8), "candidates": (one, two, three)}


def digests_of(world, slug: str, kind: str) -> dict[str, Notification]:
    settle()
    with tenant_scope(world.tenants[slug]):
        found = {row.email: row for row in tenant_session.scalars(
            select(Notification).where(Notification.kind == kind))}
        tenant_session.expunge_all()
        return found


def outbox(world, slug: str, address: str) -> list[email.message.EmailMessage]:
    settle()
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in mail.outbox_files(world.settings.instance_path / "outbox" / slug, address)]


def run(world, slug: str, at: datetime) -> int:
    with world.portal.app_context(), tenant_scope(world.tenants[slug]):
        return digests.send_digests(tenant_session(), at)


def test_digests_are_due_on_monday_morning_on_the_colleges_clock_only(world, college):
    at = college["at"]
    assert digests.due_week(at, ZONE) == college["week"]
    assert digests.due_week(at - timedelta(hours=3), ZONE) is None  # 05:00 on Monday: not yet
    assert digests.due_week(at + timedelta(hours=23), ZONE) is None  # Tuesday 07:00: skipped
    assert run(world, college["slug"], at - timedelta(days=2)) == 0  # a Saturday tick sends nothing
    assert digests_of(world, college["slug"], "digest_mentor") == {}


def test_mentors_and_admins_get_their_digest_once_per_week(world, college):
    slug, week = college["slug"], college["week"]
    told = run(world, slug, college["at"])
    assert told == 3  # the busy mentor and both admins; the idle one has nothing, the quiet one chose off
    mentors = digests_of(world, slug, "digest_mentor")
    assert set(mentors) == {college["busy"][1]}
    busy = mentors[college["busy"][1]]
    assert busy.key == f"digest_mentor:{week.label}:{college['busy'][0]}"
    assert busy.title == "Your weekly digest: 3 answers to review"
    assert "3 answers of your candidates are waiting for your review." in busy.body
    assert "- Open mock (CSE 2027): 1 of 2 finished" in busy.body and "Closed mock" not in busy.body
    [message] = outbox(world, slug, college["busy"][1])
    assert message["Subject"] == busy.title and "Digest College" in message.get_body(("html",)).get_content()
    assert message["List-Unsubscribe"]  # a digest can be stopped from the mail itself
    admins = digests_of(world, slug, "digest_admin")
    assert set(admins) == {college["admin"], college["admin2"][1]}
    first = admins[college["admin"]]
    named = f"the week of {week.monday.strftime('%d %b %Y').lstrip('0')}"
    assert first.title == f"Weekly usage: 3 interviews in {named}"
    assert "- 3 interviews started (2 more than the week before: 1)" in first.body
    assert "- 2 candidates practised" in first.body and "- 1 mentor review finished" in first.body
    assert first.email_status == "sent" and len(outbox(world, slug, college["admin"])) == 1
    assert admins[college["admin2"][1]].email_status == "none"  # inbox only, as chosen
    assert outbox(world, slug, college["admin2"][1]) == []
    for later in (timedelta(minutes=5), timedelta(hours=3)):  # the next ticks of the same Monday
        assert run(world, slug, college["at"] + later) == 0
    assert len(outbox(world, slug, college["busy"][1])) == 1
    page = sign_in(world, slug, college["busy"][1]).get(f"/t/{slug}/notifications/").get_data(as_text=True)
    assert "Your weekly digest: 3 answers to review" in page


def test_two_schedulers_at_once_send_each_digest_once(world, college):
    slug = college["slug"]
    at = college["at"] + timedelta(days=7)  # the following week's digests
    week = digests.due_week(at, ZONE)
    results, errors = [], []
    start = threading.Barrier(2)

    def scheduler() -> None:  # as schedule.notify_every_tenant runs it: a failure is logged
        start.wait()
        try:
            results.append(run(world, slug, at))
        except Exception as exc:  # noqa: BLE001 (the loser of a race on SQLite's write lock)
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    staged = [row for kind in ("digest_mentor", "digest_admin")
              for row in digests_of(world, slug, kind).values() if f":{week.label}:" in row.key]
    assert len(staged) == 3 and sum(results) == 3  # the busy mentor and both admins, told by one run
    subjects = [message["Subject"] for message in outbox(world, slug, college["admin"])]
    assert subjects.count(f"Weekly usage: 0 interviews in {week.named}") == 1


def test_nothing_to_say_sends_nothing(world, college):
    slug = f"digest-{tag()}"
    world.tenants[slug] = world.new_tenant(slug, "Empty College")
    new_user(world, slug, "mentor")
    assert run(world, slug, monday_after(utcnow(), "UTC", 8)) == 0
    assert digests_of(world, slug, "digest_admin") == {} and digests_of(world, slug, "digest_mentor") == {}


def test_a_digest_counts_only_its_own_college(world, college):
    """Beta's interviews of the same week never reach this college's figures."""
    beta_candidate, _ = new_user(world, "beta")
    week = college["week"]
    scored_interview(world, "beta", beta_candidate, week.start + timedelta(hours=2),
                     [answer_report({"content": 50})])
    with tenant_scope(world.tenants[college["slug"]]):
        assert digests.usage(tenant_session(), week) == digests.Usage(3, 1, 2, 1)
    with tenant_scope(world.tenants["beta"]):
        assert digests.usage(tenant_session(), week).interviews >= 1


def test_digest_kinds_are_offered_to_their_readers_only(world, college):
    slug = college["slug"]
    mentor = sign_in(world, slug, college["idle"][1])
    page = mentor.get(f"/t/{slug}/notifications/settings").get_data(as_text=True)
    assert "Weekly digest: answers waiting for your review" in page and "how your college used" not in page
    form = {kind: "email" for kind in notifications.OPTIONAL_KINDS if kind != "digest_admin"}
    saved = mentor.post(f"/t/{slug}/notifications/settings",
                        data={**form, "digest_mentor": "off", "csrf_token": csrf_token(page)})
    assert saved.status_code == 302
    candidate = sign_in(world, "alpha", new_user(world, "alpha")[1])
    assert "Weekly digest" not in candidate.get("/t/alpha/notifications/settings").get_data(as_text=True)


def test_the_scheduler_tick_runs_the_digests_too(world, college, monkeypatch):
    """The tick reports digests beside reminders for every college (none are due now
    unless it is Monday morning somewhere; the count is what the domain returns)."""
    told = schedule.notify_every_tenant()
    assert set(told[college["slug"]]) == {"reminders", "digests"}


def test_admins_preview_both_digests(world, college):
    admin = world.login(college["slug"], "admin")
    for kind, words in (("digest_mentor", "waiting for your review"),
                        ("digest_admin", "mentor reviews finished")):
        page = admin.get(f"/t/{college['slug']}/manage/mail-preview/{kind}").get_data(as_text=True)
        assert words in page
        html = admin.get(f"/t/{college['slug']}/manage/mail-preview/{kind}/mail").get_data(as_text=True)
        assert "Digest College" in html and re.search(r"unsubscribe", html, re.I)
