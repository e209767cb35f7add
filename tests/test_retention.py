"""The college's retention setting for unused candidate accounts and the purge of expired
data exports, through `aimi retention purge` (issue 11): a dry run names who would go,
the real run erases them like an admin would (audited as the system), the active and the
staff stay, and another college's setting and data are its own."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from helpers import csrf_token, sign_in
from score_helpers import new_user
from sqlalchemy import select, update
from test_cli import aimi
from test_data_rights import candidate_with_data, snapshot, stored
from test_manage_settings import submit

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import data_export, erasure
from aimi.tenants import settings as tenant_settings
from aimi.tenants.models import AuditLog, Job, User


def age(world, slug: str, user_id: int, days: int) -> None:
    """Make the account look unused for ``days``: created, signed in and interviewed then."""
    from aimi.tenants.interview_models import Interview

    then = utcnow() - timedelta(days=days)
    with tenant_scope(world.tenants[slug]):
        tenant_session.execute(update(User).where(User.id == user_id).values(
            created_at=then, current_login_at=then, last_login_at=then))
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


def test_unused_candidates_are_erased_after_the_colleges_period(world, college):
    slug = college
    old, recent = candidate_with_data(world, slug), candidate_with_data(world, slug)
    mentor_id, _ = new_user(world, slug, "mentor")
    for user_id, days in ((old["id"], 800), (recent["id"], 300), (mentor_id, 2000)):
        age(world, slug, user_id, days)
    set_years(world, slug, 3)

    dry = aimi(world, "retention", "purge", "--tenant", slug, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would erase 0" in dry.output  # 800 days is under 3 years
    set_years(world, slug, 1)
    dry = aimi(world, "retention", "purge", "--tenant", slug, "--dry-run")
    assert "would erase 1 candidate account(s) (inactive over 1 year(s))" in dry.output
    assert old["email"] in dry.output and recent["email"] not in dry.output
    assert not erasure.is_erased(user(world, slug, old["id"]))  # a dry run changes nothing

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
        assert entry.actor_email == "system" and entry.details["reason"] == "inactive for more than 1 year(s)"
    again = aimi(world, "retention", "purge", "--tenant", slug)
    assert "erased 0 candidate account(s)" in again.output


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
