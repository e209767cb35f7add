"""The API's OpenAPI document, and the one error shape every API failure shares."""

from __future__ import annotations

import re
import uuid

import schemathesis
from helpers import PASSWORD, csrf_token
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.tenancy import TenantRef
from aimi.tenants import accounts

DOC = "/t/alpha/api/v1/openapi.json"
ERROR_KEYS = {"code", "status", "message", "errors"}


def test_document_is_served_and_valid(world):
    resp = world.client().get(DOC)
    assert resp.status_code == 200
    spec = resp.get_json()
    validate(spec)
    assert (spec["openapi"], spec["info"]["title"], spec["info"]["version"]) == ("3.0.3", "aimi", "v1")
    assert spec["components"]["securitySchemes"]["token"] == {
        "type": "apiKey", "in": "header", "name": "Authentication-Token"}
    assert spec["security"] == [{"token": []}]
    assert world.client().get("/t/beta/api/v1/openapi.json").get_json() == spec


def test_document_lists_every_api_route(world):
    """Each rule the portal serves under /api/v1 appears with each of its methods."""
    routes = set()
    for rule in world.portal.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    spec = world.client().get(DOC).get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops
                  if method != "parameters"}
    assert routes == documented
    assert {path for path, _m in routes} == {
        "/api/v1/me", "/api/v1/users", "/api/v1/users/{user_id}", "/api/v1/cohorts",
        "/api/v1/cohorts/{cohort_id}", "/api/v1/evaluations", "/api/v1/evaluations/{evaluation_id}",
        "/api/v1/interviews/{interview_id}/scores", "/api/v1/me/exports",
        "/api/v1/me/exports/{job_id}", "/api/v1/me/exports/{job_id}/download",
        "/api/v1/users/{user_id}/erasure"}


def assert_error_shape(resp, code: int) -> dict:
    assert resp.status_code == code, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert {"code", "status", "message"} <= set(body) <= ERROR_KEYS, body
    assert body["code"] == code
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    if "errors" in body:
        assert all(isinstance(v, list | dict) for v in body["errors"].values())
    return body


def test_every_api_error_has_the_same_shape(world):
    client = world.client()
    admin = {"Authentication-Token": world.token("alpha", "admin")}
    candidate = {"Authentication-Token": world.token("alpha", "candidate")}
    api = "/t/alpha/api/v1"
    assert_error_shape(client.get(f"{api}/me"), 401)
    assert_error_shape(client.get("/t/beta/api/v1/me", headers=admin), 401)
    assert_error_shape(client.get(f"{api}/me", headers={"Authentication-Token": "forged"}), 401)
    assert_error_shape(client.get(f"{api}/users", headers=candidate), 403)
    assert_error_shape(client.get(f"{api}/users/987654321", headers=admin), 404)
    assert_error_shape(client.get(f"{api}/nothing-here", headers=admin), 404)
    assert_error_shape(client.get("/t/no-such-college/api/v1/me", headers=admin), 404)
    assert_error_shape(client.put(f"{api}/users", headers=admin, json={}), 405)
    body = assert_error_shape(client.post(f"{api}/users", headers=admin, json={"email": "nope"}), 422)
    assert list(body["errors"]) == ["email"]
    body = assert_error_shape(client.get(f"{api}/users", headers=admin, query_string={"page": "x"}), 422)
    assert list(body["errors"]) == ["page"]
    body = assert_error_shape(client.post(f"{api}/cohorts", headers=admin, data="not json",
                                          content_type="application/json"), 400)
    body = assert_error_shape(client.post(f"{api}/cohorts", headers=admin, json=[1, 2]), 422)
    session = world.login("alpha", "admin")
    assert_error_shape(session.post(f"{api}/cohorts", json={"name": uuid.uuid4().hex}), 400)


def test_portal_pages_keep_their_own_errors(world):
    """The API's handlers answer API paths only: pages still get HTML and the login redirect."""
    client = world.client()
    missing = client.get("/t/alpha/no-such-page")
    assert (missing.status_code, missing.mimetype) == (404, "text/html")
    resp = client.get("/t/alpha/dashboard")
    assert resp.status_code == 302 and "/t/alpha/login" in resp.headers["Location"]
    session = world.login("alpha", "candidate")
    refused = session.get("/t/alpha/manage/users")
    assert (refused.status_code, refused.mimetype) == (403, "text/html")
    page = session.get("/t/alpha/change")
    assert csrf_token(page.get_data(as_text=True))


# Schemathesis generates requests from the document itself (valid and invalid bodies,
# parameters and headers) for every operation: none may answer 5xx. The probe run's
# schemathesis found two page-number 500s this way (issue 11). Bounded to stay fast: the
# admin reaches every operation (5 examples each: Hypothesis tries the boundary values, where
# those 500s were, among its first); the candidate's run is for what only a candidate can do
# (their own exports), the others answering 403 at once.
GENERATED_PER_OPERATION = {"admin": 5, "candidate": 4}


def generated_requests(world, role: str) -> dict[str, set[int]]:
    """Run every operation's generated requests as ``role`` in a college of its own (they
    invite users and make cohorts); none may be a 5xx. Returns each operation's answers."""
    slug = f"st-{uuid.uuid4().hex[:6]}"
    college = world.new_tenant(slug)
    if role != "admin":
        new_user_with_password(world, college, role)
    schema = schemathesis.openapi.from_wsgi(DOC, world.app)
    auth = {"Authentication-Token": world.token(slug, role)}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    answered: dict[str, set[int]] = {}

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=GENERATED_PER_OPERATION[role], deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case) -> None:
            response = case.call(base_url=f"http://localhost/t/{slug}", headers=auth)
            assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
            answered.setdefault(case.operation.label, set()).add(response.status_code)

        no_server_error()
    return answered


def new_user_with_password(world, college: TenantRef, role: str) -> None:
    """The ``<role>@<slug>.example.com`` account ``world.token`` signs in as."""
    with tenant_scope(college):
        accounts.create_user(tenant_session(), email=world.email(college.slug, role), full_name=role,
                             roles=[role], password_hash=world.hasher()(PASSWORD), confirmed=True)
        tenant_session.commit()


def test_no_generated_request_is_a_server_error(world):
    generated_requests(world, "admin")


def test_no_generated_request_of_a_candidate_is_a_server_error(world):
    """A candidate's own operations run for real: their export is accepted, not refused."""
    answered = generated_requests(world, "candidate")
    assert 202 in answered["POST /api/v1/me/exports"], answered
    assert answered["GET /api/v1/users"] <= {401, 403, 422}, answered


def test_a_user_invited_with_every_role_is_stored(world):
    """Schemathesis found it on MariaDB: the invitation's roles overflowed their column."""
    admin = {"Authentication-Token": world.token("alpha", "admin")}
    resp = world.client().post("/t/alpha/api/v1/users", headers=admin, json={
        "email": f"all-roles-{uuid.uuid4().hex[:6]}@alpha.example.com",
        "roles": ["admin", "mentor", "candidate", "mentor"]})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["roles"] == ["admin", "candidate", "mentor"]
