"""Tenant isolation over every portal route, found from the URL map (so a new route is
covered the day it is added): credentials from tenant alpha are worth nothing on beta,
and a suspended tenant serves nothing."""

from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import IntegerConverter

from aimi.tenants import provisioning
from aimi.web import throttle


@pytest.fixture(autouse=True)
def _forget_login_attempts(world):
    """These tests post to every login endpoint anonymously; later tests sign in from the
    same address, so the failed attempts must not count against them."""
    yield
    for app in (world.portal, world.app.extensions["aimi_console"]):
        app.extensions[throttle.COUNTER].clear()


def _routes(app, method: str) -> list[str]:
    """Every path of the app answering ``method``, with sample values for its arguments."""
    adapter = app.url_map.bind("localhost")
    paths = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or method not in (rule.methods or ()):
            continue
        values = {arg: 1 if isinstance(conv, IntegerConverter) else "x"
                  for arg, conv in rule._converters.items()}
        paths.add(adapter.build(rule.endpoint, values, method=method))
    return sorted(paths)


def _status(client, method, url, **kw):
    resp = client.open(url, method=method, **kw)
    location = resp.headers.get("Location", "")
    return resp.status_code, location.split("?")[0]


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_alpha_session_is_anonymous_on_beta(world, method):
    alpha = world.login("alpha", "admin")
    anonymous = world.client()
    routes = _routes(world.portal, method)
    assert routes, f"no {method} routes found"
    for route in routes:
        url = f"/t/beta{route}"
        assert _status(alpha, method, url) == _status(anonymous, method, url), url


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_alpha_token_is_refused_on_beta(world, method):
    token = world.token("alpha", "admin")
    for route in _routes(world.portal, method):
        url = f"/t/beta{route}"
        with_token = _status(world.client(), method, url, headers={"Authentication-Token": token})
        without = _status(world.client(), method, url)
        assert with_token == without, url


def test_alpha_token_works_on_alpha_but_not_beta(world):
    token = world.token("alpha", "candidate")
    headers = {"Authentication-Token": token, "Accept": "application/json"}
    assert world.client().get("/t/alpha/api/v1/me", headers=headers).status_code == 200
    assert world.client().get("/t/beta/api/v1/me", headers=headers).status_code == 401


def test_beta_never_shows_alpha_names(world):
    alpha = world.login("alpha", "admin")
    for route in _routes(world.portal, "GET"):
        body = alpha.get(f"/t/beta{route}").get_data(as_text=True)
        assert "alpha@" not in body and "Alpha College" not in body, route


def test_subdomain_session_does_not_cross_tenants(world):
    client = world.client()
    resp = client.post("/login", json={"email": world.email("alpha", "admin"),
                                       "password": "correct-horse-42"},
                       headers={"Host": "alpha.aimi.test"})
    assert resp.status_code == 200
    assert client.get("/dashboard", headers={"Host": "alpha.aimi.test"}).status_code == 200
    resp = client.get("/dashboard", headers={"Host": "beta.aimi.test"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_suspended_tenant_serves_nothing(world):
    slug = f"susp-{uuid.uuid4().hex[:6]}"
    world.new_tenant(slug)
    token = world.token(slug, "admin")
    session = world.login(slug, "admin")
    provisioning.set_status(slug, "suspended")
    try:
        for route in _routes(world.portal, "GET"):
            url = f"/t/{slug}{route}"
            assert session.get(url).status_code == 403, url
            assert world.client().get(url, headers={"Authentication-Token": token}).status_code == 403
        resp = world.client().get(f"/t/{slug}/api/v1/me",
                                  headers={"Authentication-Token": token})
        assert resp.status_code == 403 and resp.get_json()["code"] == 403
    finally:
        provisioning.set_status(slug, "active")


def test_unknown_tenant_is_a_404_page(world):
    resp = world.client().get("/t/no-such-college/")
    assert resp.status_code == 404 and b"No college portal" in resp.data


def test_console_refuses_tenant_admins_and_anonymous(world):
    anonymous = world.client().get("/admin/")
    assert anonymous.status_code in (302, 401)
    alpha = world.login("alpha", "admin")
    assert alpha.get("/admin/").status_code in (302, 401)
    resp = alpha.post("/admin/login", json={"email": world.email("alpha", "admin"),
                                            "password": "correct-horse-42"})
    assert resp.status_code == 400
