"""Candidates who register themselves are in no cohort: the admin and mentors are told and
see them in a list, place them in a cohort (mentors: only their own), and the candidate is
told why no mentor sees them yet. Nothing of it crosses tenants."""

from __future__ import annotations

import re
import uuid

from helpers import confirm_account, csrf_token, sign_in
from score_helpers import new_cohort, new_user
from sqlalchemy import select
from test_accounts_flow import find_user, fresh_tenant, login, mailed_link, register

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants.models import AuditLog, Cohort


def _registered(world, ref) -> str:
    """A candidate who registered and confirmed through the real pages."""
    address = f"self-{uuid.uuid4().hex[:6]}@example.com"
    client = world.client()
    assert register(client, ref, address).status_code == 302
    assert confirm_account(client, mailed_link(world, ref, address, "/confirm/")).status_code == 302
    return address


def _add(client, slug: str, candidate_id: int, cohort_id: int):
    page = client.get(f"/t/{slug}/candidates/unassigned/").get_data(as_text=True)
    return client.post(f"/t/{slug}/candidates/unassigned/{candidate_id}",
                       data={"cohort_id": cohort_id, "csrf_token": csrf_token(page)})


def test_self_registered_candidate_is_seen_and_placed(world):
    ref = fresh_tenant(world, "reg", registration_policy="open")
    world.tenants[ref.slug] = ref  # for the score_helpers; removed at the end
    try:
        _seen_and_placed(world, ref)
    finally:
        del world.tenants[ref.slug]


def _seen_and_placed(world, ref) -> None:
    address = _registered(world, ref)
    candidate_id = find_user(ref, address).id
    mentor_id, mentor_email = new_user(world, ref.slug, "mentor")
    other_mentor_id, _ = new_user(world, ref.slug, "mentor")
    mine = new_cohort(world, ref.slug, [], [mentor_id], name="Mine")
    theirs = new_cohort(world, ref.slug, [], [other_mentor_id], name="Theirs")

    candidate = world.client()
    assert login(candidate, ref, address).status_code == 200
    assert 'id="no-cohort-notice"' in candidate.get(f"/t/{ref.slug}/dashboard").get_data(as_text=True)

    mentor = sign_in(world, ref.slug, mentor_email)
    dashboard = mentor.get(f"/t/{ref.slug}/dashboard").get_data(as_text=True)
    assert re.search(r'id="unassigned-notice">1 candidate is in no cohort', dashboard)
    listed = mentor.get(f"/t/{ref.slug}/candidates/unassigned/").get_data(as_text=True)
    assert address in listed and f'<option value="{mine}">Mine</option>' in listed
    assert "Theirs" not in listed  # a mentor places candidates in their own cohorts only

    refused = _add(mentor, ref.slug, candidate_id, theirs)
    assert refused.status_code == 303
    with tenant_scope(ref):
        assert tenant_session.get(Cohort, theirs).candidates == []
    assert _add(mentor, ref.slug, candidate_id, mine).status_code == 302
    with tenant_scope(ref):
        session = tenant_session()
        assert [c.email for c in session.get(Cohort, mine).candidates] == [address]
        entry = session.scalar(select(AuditLog).where(AuditLog.action == "cohort.candidate_added"))
        assert entry.target_id == str(mine) and entry.details["candidate_id"] == candidate_id
    # Placed once: the list no longer has them, a second post is a 404, the notices are gone.
    assert address not in mentor.get(f"/t/{ref.slug}/candidates/unassigned/").get_data(as_text=True)
    assert _add(mentor, ref.slug, candidate_id, mine).status_code == 404
    assert 'id="unassigned-notice"' not in mentor.get(f"/t/{ref.slug}/dashboard").get_data(as_text=True)
    assert 'id="no-cohort-notice"' not in candidate.get(f"/t/{ref.slug}/dashboard").get_data(as_text=True)


def test_candidates_cannot_open_the_list(world):
    _id, email = new_user(world, "alpha", "candidate")
    assert sign_in(world, "alpha", email).get("/t/alpha/candidates/unassigned/").status_code == 403


def test_unassigned_list_and_placing_stay_in_their_tenant(world):
    beta_id, beta_email = new_user(world, "beta", "candidate")
    alpha_admin = world.login("alpha", "admin")
    alpha_cohort = new_cohort(world, "alpha", [])
    assert beta_email not in alpha_admin.get("/t/alpha/candidates/unassigned/").get_data(as_text=True)
    _add(alpha_admin, "alpha", beta_id, alpha_cohort)  # beta's id, sent to alpha
    with tenant_scope(world.tenants["alpha"]):
        assert all(c.email != beta_email for c in tenant_session.get(Cohort, alpha_cohort).candidates)
    with tenant_scope(world.tenants["beta"]):
        session = tenant_session()
        assert not session.scalars(select(Cohort).where(Cohort.candidates.any(email=beta_email))).all()
