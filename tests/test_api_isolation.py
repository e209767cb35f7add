"""Tenant isolation of the API: credentials of one college are worthless at another, and
ids (which overlap, each college counting from 1) only ever reach the caller's own data.

The endpoint list comes from the OpenAPI document, so an endpoint added later is checked
here without editing this file.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import provisioning
from aimi.tenants.models import Cohort, User


def endpoints(world) -> list[tuple[str, str]]:
    """(method, path with ids filled in) for every operation of the API."""
    spec = world.client().get("/t/alpha/api/v1/openapi.json").get_json()
    return [(method, re.sub(r"\{[^}]+\}", "1", path))
            for path, operations in spec["paths"].items() for method in operations
            if method in {"get", "post", "put", "patch", "delete"}]


def call(client, method: str, url: str, headers: dict | None = None):
    return client.open(url, method=method.upper(), headers=headers or {}, json={})


def test_anonymous_callers_get_401_everywhere(world):
    client = world.client()
    for method, path in endpoints(world):
        resp = call(client, method, f"/t/alpha{path}")
        assert resp.status_code == 401, (method, path)
        assert resp.get_json()["code"] == 401


def test_alpha_token_is_refused_by_beta_on_every_endpoint(world):
    client = world.client()
    for role in ("admin", "mentor", "candidate"):
        headers = {"Authentication-Token": world.token("alpha", role)}
        assert client.get("/t/alpha/api/v1/me", headers=headers).status_code == 200
        for method, path in endpoints(world):
            resp = call(client, method, f"/t/beta{path}", headers)
            assert resp.status_code == 401, (role, method, path)


def test_alpha_session_cookie_does_not_authenticate_on_beta(world):
    client = world.login("alpha", "admin")
    assert client.get("/t/alpha/api/v1/me").status_code == 200
    stolen = client.get_cookie("aimi_alpha", path="/t/alpha/")
    assert stolen is not None
    # Replay it under beta's cookie name and path, and under its own name everywhere.
    client.set_cookie("aimi_beta", stolen.value, path="/t/beta/")
    client.set_cookie("aimi_alpha", stolen.value, path="/")
    for method, path in endpoints(world):
        resp = call(client, method, f"/t/beta{path}")
        assert resp.status_code == 401, (method, path)


def beta_only_id(world, model) -> int:
    """An id beyond any alpha row of ``model``, so alpha certainly has no such row."""
    with tenant_scope(world.tenants["alpha"]):
        highest = tenant_session().scalar(select(func.max(model.id))) or 0
    return highest + 1000 + uuid.uuid4().int % 1000


def make_beta_user(world) -> tuple[int, str]:
    user_id, email = beta_only_id(world, User), f"only-beta-{uuid.uuid4().hex[:8]}@beta.example.com"
    with tenant_scope(world.tenants["beta"]):
        session = tenant_session()
        session.add(User(id=user_id, email=email, full_name="Beta Only", active=True,
                         fs_uniquifier=uuid.uuid4().hex))
        session.commit()
    return user_id, email


def make_beta_cohort(world, cohort_id: int | None = None) -> tuple[int, str]:
    cohort_id = cohort_id or beta_only_id(world, Cohort)
    name = f"Beta only {uuid.uuid4().hex[:8]}"
    with tenant_scope(world.tenants["beta"]):
        session = tenant_session()
        session.add(Cohort(id=cohort_id, name=name, description="beta secret"))
        session.commit()
    return cohort_id, name


def in_beta(world, model, row_id: int) -> dict | None:
    """Beta's row of ``model`` with this id, as a dict of its columns."""
    with tenant_scope(world.tenants["beta"]):
        row = tenant_session().get(model, row_id)
        return None if row is None else {c.key: getattr(row, c.key) for c in model.__table__.columns}


@pytest.mark.parametrize("role", ["admin", "mentor"])
def test_alpha_gets_404_for_beta_only_ids(world, role):
    client = world.client()
    headers = {"Authentication-Token": world.token("alpha", role)}
    user_id, _email = make_beta_user(world)
    cohort_id, _name = make_beta_cohort(world)
    before = in_beta(world, User, user_id), in_beta(world, Cohort, cohort_id)
    for method, url in (("get", f"/users/{user_id}"), ("patch", f"/users/{user_id}"),
                        ("get", f"/cohorts/{cohort_id}"), ("patch", f"/cohorts/{cohort_id}"),
                        ("delete", f"/cohorts/{cohort_id}")):
        resp = client.open(f"/t/alpha/api/v1{url}", method=method.upper(), headers=headers,
                           json={"full_name": "hijacked"} if "users" in url else {"name": "hijacked"})
        expected = 403 if role == "mentor" and method != "get" else 404
        assert resp.status_code == expected, (role, method, url)
    assert (in_beta(world, User, user_id), in_beta(world, Cohort, cohort_id)) == before


def test_overlapping_ids_return_alpha_data(world):
    client = world.client()
    headers = {"Authentication-Token": world.token("alpha", "admin")}
    admin = client.get("/t/alpha/api/v1/users/1", headers=headers).get_json()
    assert admin["email"].endswith("@alpha.example.com")

    name = f"Alpha cohort {uuid.uuid4().hex[:8]}"
    mine = client.post("/t/alpha/api/v1/cohorts", headers=headers, json={"name": name}).get_json()
    if in_beta(world, Cohort, mine["id"]) is None:
        make_beta_cohort(world, mine["id"])
    assert client.get(f"/t/alpha/api/v1/cohorts/{mine['id']}", headers=headers).get_json()["name"] == name
    listed = client.get("/t/alpha/api/v1/cohorts", headers=headers,
                        query_string={"page_size": 100}).get_json()
    assert not [c for c in listed if c["name"].startswith("Beta only")]


def test_beta_users_are_invisible_to_alpha_search(world):
    _user_id, email = make_beta_user(world)
    headers = {"Authentication-Token": world.token("alpha", "admin")}
    resp = world.client().get("/t/alpha/api/v1/users", headers=headers, query_string={"q": email})
    assert resp.get_json() == []


def test_suspended_college_api_answers_403_even_with_a_valid_token(world):
    slug = f"susp-{uuid.uuid4().hex[:6]}"
    world.new_tenant(slug, "Suspended College")
    token = {"Authentication-Token": world.token(slug, "admin")}
    client = world.client()
    assert client.get(f"/t/{slug}/api/v1/me", headers=token).status_code == 200
    provisioning.set_status(slug, "suspended")
    for method, path in endpoints(world):
        resp = call(client, method, f"/t/{slug}{path}", token)
        assert resp.status_code == 403, (method, path)
        assert "suspended" in resp.get_json()["message"]
    assert client.get(f"/t/{slug}/api/v1/openapi.json").status_code == 403
