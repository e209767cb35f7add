"""Candidates start assigned interviews from their dashboard; limits and cohorts apply."""

from __future__ import annotations

from datetime import timedelta

from helpers import csrf_token, sign_in
from score_helpers import new_assignment, new_cohort, new_user

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants.interview_models import Interview


def _start(client, slug: str, assignment_id: int):
    page = client.get(f"/t/{slug}/dashboard")
    return client.post(f"/t/{slug}/interviews/assignments/{assignment_id}/start",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def test_an_assignment_starts_with_its_template_and_counts_attempts(world):
    candidate_id, email = new_user(world, "alpha", "assigned")
    cohort_id = new_cohort(world, "alpha", [candidate_id])
    assignment_id = new_assignment(world, "alpha", cohort_id, "Mock round 1",
                                   utcnow() + timedelta(days=3), attempt_limit=1)
    client = sign_in(world, "alpha", email)
    dashboard = client.get("/t/alpha/dashboard").get_data(as_text=True)
    assert f"/interviews/assignments/{assignment_id}/start" in dashboard
    started = _start(client, "alpha", assignment_id)
    assert started.status_code == 302 and "/interviews/" in started.headers["Location"]
    with tenant_scope(world.tenants["alpha"]):
        made = tenant_session().query(Interview).filter_by(candidate_id=candidate_id).one()
        assert (made.assignment_id, made.role, made.type, made.num_questions) == (
            assignment_id, "software-engineer", "technical", 1)
    # the attempt is under way: a second start is refused with the reason, nothing new is made
    again = _start(client, "alpha", assignment_id)
    assert again.status_code == 302 and again.headers["Location"].endswith("/dashboard")
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session().query(Interview).filter_by(candidate_id=candidate_id).count() == 1


def test_other_cohorts_and_tenants_assignments_are_not_found(world):
    insider_id, _ = new_user(world, "alpha", "insider")
    outsider_id, outsider_email = new_user(world, "alpha", "outsider")
    cohort_id = new_cohort(world, "alpha", [insider_id])
    assignment_id = new_assignment(world, "alpha", cohort_id, "Closed round", utcnow() + timedelta(days=1))
    outsider = sign_in(world, "alpha", outsider_email)
    assert _start(outsider, "alpha", assignment_id).status_code == 404
    beta_id, beta_email = new_user(world, "beta", "beta-cand")
    beta = sign_in(world, "beta", beta_email)
    assert _start(beta, "beta", assignment_id).status_code == 404
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session().query(Interview).filter(
            Interview.candidate_id.in_([outsider_id])).count() == 0


def test_past_due_assignments_cannot_start(world):
    candidate_id, email = new_user(world, "alpha", "late")
    cohort_id = new_cohort(world, "alpha", [candidate_id])
    assignment_id = new_assignment(world, "alpha", cohort_id, "Old round", utcnow() - timedelta(days=1))
    client = sign_in(world, "alpha", email)
    refused = _start(client, "alpha", assignment_id)
    assert refused.status_code == 302
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session().query(Interview).filter_by(candidate_id=candidate_id).count() == 0
