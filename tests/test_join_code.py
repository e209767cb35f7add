"""Cohort join codes through the real pages: an admin makes, shows, renews and turns off a
cohort's code; a candidate who registers with it (in any case, with spaces) lands in the
cohort, one with a wrong code gets a clear error and no account, and one without a code
shows in the list of candidates in no cohort."""

from __future__ import annotations

import re
import uuid

from helpers import confirm_account, post_form
from score_helpers import new_cohort
from sqlalchemy import select
from test_accounts_flow import find_user, fresh_tenant, mailed_link, register

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants.models import AuditLog, Cohort


def code_on_page(html: str) -> str | None:
    match = re.search(r"data-join-code>([A-Z0-9]+)<", html)
    return match.group(1) if match else None


def test_join_codes_from_admin_page_to_registration(world):
    ref = fresh_tenant(world, "join", registration_policy="open")
    world.tenants[ref.slug] = ref
    try:
        _journey(world, ref)
    finally:
        del world.tenants[ref.slug]


def _journey(world, ref) -> None:
    slug = ref.slug
    cohort_id = new_cohort(world, slug, [], name="CSE 2028")
    admin = world.login(slug, "admin")
    url = f"/t/{slug}/manage/cohorts/{cohort_id}"
    assert code_on_page(admin.get(url).get_data(as_text=True)) is None
    assert post_form(admin, url, f"{url}/join-code", {"action": "new"}).status_code == 302
    first = code_on_page(admin.get(url).get_data(as_text=True))
    assert first and len(first) == 8
    assert post_form(admin, url, f"{url}/join-code", {"action": "new"}).status_code == 302
    code = code_on_page(admin.get(url).get_data(as_text=True))
    assert code and code != first

    # The old code no longer works: a clear error and no account.
    client = world.client()
    stale = f"stale-{uuid.uuid4().hex[:6]}@example.com"
    resp = register(client, ref, stale, cohort_code=first)
    assert resp.status_code == 200
    assert "No cohort has this join code" in resp.get_data(as_text=True)
    assert find_user(ref, stale) is None

    # The current one, typed loosely, puts the candidate in the cohort.
    joined = f"joined-{uuid.uuid4().hex[:6]}@example.com"
    loose = f" {code[:4].lower()}-{code[4:].lower()} "
    assert register(world.client(), ref, joined, cohort_code=loose).status_code == 302
    with tenant_scope(ref):
        session = tenant_session()
        assert [u.email for u in session.get(Cohort, cohort_id).candidates] == [joined]
        entry = session.scalar(select(AuditLog).where(AuditLog.action == "cohort.candidate_added"))
        assert entry.details["from"] == "join code" and entry.actor_email == joined

    # Without a code: in no cohort, so the admin's list shows them once confirmed.
    alone = f"alone-{uuid.uuid4().hex[:6]}@example.com"
    alone_client = world.client()
    assert register(alone_client, ref, alone).status_code == 302
    assert confirm_account(alone_client, mailed_link(world, ref, alone, "/confirm/")).status_code == 302
    assert confirm_account(client, mailed_link(world, ref, joined, "/confirm/")).status_code == 302
    listed = admin.get(f"/t/{slug}/candidates/unassigned/").get_data(as_text=True)
    assert alone in listed and joined not in listed

    assert post_form(admin, url, f"{url}/join-code", {"action": "off"}).status_code == 302
    assert code_on_page(admin.get(url).get_data(as_text=True)) is None
    late = f"late-{uuid.uuid4().hex[:6]}@example.com"
    assert "No cohort has this join code" in register(world.client(), ref, late, cohort_code=code).get_data(
        as_text=True)
    assert find_user(ref, late) is None
    bad = post_form(admin, url, f"{url}/join-code", {"action": "maybe"})
    assert bad.status_code == 400
