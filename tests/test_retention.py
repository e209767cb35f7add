"""The college's retention setting for unused candidate accounts and the purge of expired
data exports, through `aimi retention purge` and the scheduler's daily job (issue 11): a
dry run names who would go; a candidate is first mailed, once, the day their account goes
and that signing in keeps it; after that day they are erased like an admin would (audited
as the system); any signed-in request (remember-me included) counts as use; the staff
stay, and another college's setting and data are its own."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from helpers import PASSWORD, csrf_token, sign_in
from job_helpers import drain, redis_app
from score_helpers import new_user
from sqlalchemy import select, update
from test_cli import aimi
from test_data_rights import candidate_with_data, snapshot, stored
from test_manage_settings import submit
from test_notifications import outbox

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.plugins import queue as rq_wiring
from aimi.plugins import retention_jobs, schedule
from aimi.tenants import activity, data_export, erasure, retention
from aimi.tenants import settings as tenant_settings
from aimi.tenants.models import AuditLog, Job, User
from aimi.tenants.notification_models import Notification


def age(world, slug: str, user_id: int, days: int) -> None:
    """Make the account look unused for ``days``: created, signed in and interviewed then."""
    from aimi.tenants.interview_models import Interview

    then = utcnow() - timedelta(days=days)
    with tenant_scope(world.tenants[slug]):
        tenant_session.execute(update(User).where(User.id == user_id).values(
            created_at=then, current_login_at=then, last_login_at=then, last_active_at=then))
        tenant_session.execute(update(Interview).where(Interview.candidate_id == user_id)
                               .values(started_at=then))
        tenant_session.commit()


def set_years(world, slug: str, years: int) -> None:
    with tenant_scope(world.tenants[slug]):
        tenant_settings.save(tenant_session(), {"inactive_account_years": years})
        tenant_session.commit()


def user(world, slug: str, user_id: int) -> User:
    with tenant_scope(world.tenants[slug]):
        found = tenant_session.get(User, user_id)
        tenant_session.expunge_all()
        return found


@pytest.fixture
def college(world):
    """A college of this test's own: its purge may erase any unused candidate."""
    slug = f"ret-{uuid.uuid4().hex[:6]}"
    world.tenants[slug] = world.new_tenant(slug)
    yield slug
    del world.tenants[slug]


def warnings_to(world, slug: str, address: str) -> list:
    """The retention warnings mailed to ``address``."""
    return [m for m in outbox(world, slug, address) if "will be erased on" in m["Subject"]]


def backdate_warning(world, slug: str, user_id: int, days: int) -> None:
    with tenant_scope(world.tenants[slug]):
        tenant_session.execute(update(Notification).where(
            Notification.user_id == user_id, Notification.kind == retention.WARNING_KIND)
            .values(created_at=utcnow() - timedelta(days=days)))
        tenant_session.commit()


def test_unused_candidates_are_warned_once_then_erased_after_the_colleges_period(world, college):
    slug = college
    old, recent = candidate_with_data(world, slug), candidate_with_data(world, slug)
    mentor_id, _ = new_user(world, slug, "mentor")
    for user_id, days in ((old["id"], 800), (recent["id"], 300), (mentor_id, 2000)):
        age(world, slug, user_id, days)
    set_years(world, slug, 3)

    dry = aimi(world, "retention", "purge", "--tenant", slug, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would erase 0" in dry.output and "would warn 0" in dry.output  # 800 days is under 3 years
    set_years(world, slug, 1)
    dry = aimi(world, "retention", "purge", "--tenant", slug, "--dry-run")
    assert "would erase 0 candidate account(s) (inactive over 1 year); would warn 1;" in dry.output
    assert old["email"] in dry.output and recent["email"] not in dry.output
    assert warnings_to(world, slug, old["email"]) == []  # a dry run changes nothing

    # First the warning, never the erasure: the day it happens and how to keep the account.
    done = aimi(world, "retention", "purge", "--tenant", slug)
    assert done.exit_code == 0, done.output
    assert "erased 0 candidate account(s) (inactive over 1 year); warned 1;" in done.output
    day = (utcnow() + timedelta(days=retention.WARN_DAYS + 1)).date()
    [mail] = warnings_to(world, slug, old["email"])
    text = mail.get_body(("plain",)).get_content()
    assert mail["Subject"].endswith(f"will be erased on {day:%d %B %Y}")
    assert f"sign in before {day:%d %B %Y}" in text and f"/t/{slug}/login" in text
    assert "for 1 year," in text and warnings_to(world, slug, recent["email"]) == []
    assert not erasure.is_erased(user(world, slug, old["id"]))
    again = aimi(world, "retention", "purge", "--tenant", slug)
    assert "erased 0 candidate account(s) (inactive over 1 year); warned 0;" in again.output
    assert len(warnings_to(world, slug, old["email"])) == 1  # exactly once

    backdate_warning(world, slug, old["id"], retention.WARN_DAYS - 2)
    assert "erased 0" in aimi(world, "retention", "purge", "--tenant", slug).output  # not before the day
    backdate_warning(world, slug, old["id"], retention.WARN_DAYS + 1)
    done = aimi(world, "retention", "purge", "--tenant", slug)
    assert done.exit_code == 0 and "erased 1 candidate account(s)" in done.output
    erased = user(world, slug, old["id"])
    assert erasure.is_erased(erased) and not erased.active
    assert all(stored(world, slug, key) is None for key in old["keys"])
    assert not erasure.is_erased(user(world, slug, recent["id"]))
    assert stored(world, slug, recent["keys"][1]) is not None
    assert not erasure.is_erased(user(world, slug, mentor_id))  # staff are never erased
    with tenant_scope(world.tenants[slug]):
        entry = tenant_session.scalar(select(AuditLog).where(AuditLog.action == "user.erased",
                                                             AuditLog.target_id == str(old["id"])))
        assert entry.actor_email == "system" and entry.details["reason"] == "inactive for more than 1 year"
    again = aimi(world, "retention", "purge", "--tenant", slug)
    assert "erased 0 candidate account(s)" in again.output and "warned 0" in again.output


def test_signing_in_after_the_warning_keeps_the_account(world, college):
    found = candidate_with_data(world, college)
    age(world, college, found["id"], 800)
    set_years(world, college, 1)
    assert "warned 1" in aimi(world, "retention", "purge", "--tenant", college).output
    sign_in(world, college, found["email"])
    backdate_warning(world, college, found["id"], retention.WARN_DAYS + 1)
    result = aimi(world, "retention", "purge", "--tenant", college)
    assert "erased 0" in result.output and "warned 0" in result.output
    assert not erasure.is_erased(user(world, college, found["id"]))


def remembered(world, slug: str, address: str):
    """A browser holding only the remember-me cookie of a sign-in (its session is gone)."""
    first = world.client()
    resp = first.post(f"/t/{slug}/login", json={"email": address, "password": PASSWORD, "remember": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    cookie = first.get_cookie("remember_token", path=f"/t/{slug}/") or first.get_cookie("remember_token")
    browser = world.client()
    browser.set_cookie("remember_token", cookie.value, path=f"/t/{slug}/")
    return browser


def last_active_at(world, slug: str, user_id: int):
    return user(world, slug, user_id).last_active_at


def test_an_account_used_only_through_remember_me_is_active(world, college):
    found = candidate_with_data(world, college)
    browser = remembered(world, college, found["email"])
    age(world, college, found["id"], 800)  # the sign-in itself was long ago
    set_years(world, college, 1)
    assert "would warn 1" in aimi(world, "retention", "purge", "--tenant", college, "--dry-run").output

    assert browser.get(f"/t/{college}/dashboard").status_code == 200  # a GET, remembered
    stamped = last_active_at(world, college, found["id"])
    assert stamped is not None and utcnow() - stamped < timedelta(minutes=1)
    result = aimi(world, "retention", "purge", "--tenant", college, "--dry-run")
    assert "would erase 0" in result.output and "would warn 0" in result.output


def test_activity_is_written_at_most_once_per_period(world, college):
    user_id, address = new_user(world, college)
    client = sign_in(world, college, address)

    def set_stamp(minutes_ago: int):
        then = (utcnow() - timedelta(minutes=minutes_ago)).replace(microsecond=0)
        with tenant_scope(world.tenants[college]):
            tenant_session.execute(update(User).where(User.id == user_id).values(last_active_at=then))
            tenant_session.commit()
        return then

    recent = set_stamp(activity.EVERY.seconds // 60 - 5)
    assert client.get(f"/t/{college}/dashboard").status_code == 200
    assert last_active_at(world, college, user_id) == recent  # fresh enough: no write
    stale = set_stamp(activity.EVERY.seconds // 60 + 1)
    assert client.get(f"/t/{college}/dashboard").status_code == 200
    assert last_active_at(world, college, user_id) > stale


def test_another_colleges_setting_and_candidates_are_its_own(world):
    beta = candidate_with_data(world, "beta")
    age(world, "beta", beta["id"], 2000)
    before = snapshot(world, "beta", beta)
    result = aimi(world, "retention", "purge", "--tenant", "beta")
    assert result.exit_code == 0 and "erased 0 candidate account(s) (retention off)" in result.output
    assert snapshot(world, "beta", beta) == before


def test_expired_export_files_are_deleted(world):
    alpha = candidate_with_data(world, "alpha")
    client = sign_in(world, "alpha", alpha["email"])
    page = client.get("/t/alpha/account/data/").get_data(as_text=True)
    assert client.post("/t/alpha/account/data/exports",
                       data={"csrf_token": csrf_token(page)}).status_code == 302
    with tenant_scope(world.tenants["alpha"]):
        job = tenant_session.scalar(select(Job).where(Job.kind == data_export.EXPORT_KIND,
                                                      Job.created_by == alpha["id"]))
        job_id, key = job.id, job.result["key"]
        tenant_session.expunge_all()
    assert aimi(world, "retention", "purge", "--tenant", "alpha").exit_code == 0
    assert stored(world, "alpha", key) is not None  # still within its week

    with tenant_scope(world.tenants["alpha"]):
        tenant_session.execute(update(Job).where(Job.id == job_id).values(
            finished_at=utcnow() - timedelta(days=data_export.KEEP_DAYS, minutes=1)))
        tenant_session.commit()
    result = aimi(world, "retention", "purge", "--tenant", "alpha")
    assert result.exit_code == 0 and re.search(r"deleted [1-9]\d* expired export file", result.output)
    assert stored(world, "alpha", key) is None
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Job, job_id).result == {"expired": True}


def test_the_admin_chooses_the_period_on_the_settings_page(world, college):
    admin = world.login(college, "admin")
    page = admin.get(f"/t/{college}/manage/settings").get_data(as_text=True)
    assert "Erase unused candidate accounts after" in page and "2 years without activity" in page
    saved = submit(admin, college, {"inactive_account_years": "2"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with tenant_scope(world.tenants[college]):
        assert tenant_settings.load(tenant_session()).inactive_account_years == 2
        entry = tenant_session.scalars(select(AuditLog).where(AuditLog.action == "settings.changed")
                                       .order_by(AuditLog.id.desc())).first()
        assert entry.details["changes"]["inactive_account_years"] == [0, 2]
    refused = submit(admin, college, {"inactive_account_years": "7"})
    assert refused.status_code == 422 and "choose off, 1, 2 or 3 years" in refused.get_data(as_text=True)
    assert "would erase 0" in aimi(world, "retention", "purge", "--tenant", "beta", "--dry-run").output


def test_the_scheduler_runs_each_colleges_purge_once_a_day(world, college, redis_url):
    """No cron: every tick stages the day's purge of each college (one job a day, however
    many ticks), and a worker runs it: the unused candidate is warned."""
    found = candidate_with_data(world, college)
    age(world, college, found["id"], 800)
    set_years(world, college, 1)
    with redis_app(world, redis_url) as app, app.app_context():
        rq_wiring.connection(redis_url).flushdb()
        schedule.tick()
        schedule.tick()  # a second tick the same day: nothing more
        drain(redis_url)
    with tenant_scope(world.tenants[college]):
        [job] = tenant_session.scalars(select(Job).where(Job.kind == retention_jobs.PURGE_KIND)).all()
        assert (job.status, job.idempotency_key) == ("done", f"retention_purge:{utcnow():%Y-%m-%d}")
        assert job.result == {"erased": 0, "warned": 1, "exports": 0}
        tenant_session.expunge_all()
    [mail] = warnings_to(world, college, found["email"])
    assert f"/t/{college}/login" in mail.get_body(("plain",)).get_content()
    with tenant_scope(world.tenants["beta"]):  # another college has its own purge, one a day
        # (beta is shared: an earlier test's tick may have staged and run today's already)
        assert len(tenant_session.scalars(select(Job).where(
            Job.idempotency_key == f"retention_purge:{utcnow():%Y-%m-%d}")).all()) == 1
