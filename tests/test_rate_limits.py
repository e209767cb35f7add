"""Rate limits beyond sign-in (issue 11): recording uploads, try-it scoring, registration,
password reset and the API, counted in real Redis per tenant and user (or client address),
429 in the usual error shape with Retry-After, and never a 500 while Redis is down."""

from __future__ import annotations

import pytest
import redis as redis_lib
from job_helpers import SAMPLE
from test_faults import OwnRedis

from aimi.web import throttle

SMALL = {"api": (3, 60), "scoring": (2, 60), "upload": (2, 60), "register": (2, 60), "reset": (2, 60)}


@pytest.fixture
def limited(world, redis_url):
    """The app with small limits counted in the test's Redis (emptied first: the other
    backend's run used the same tenant slugs and user ids)."""
    redis_lib.Redis.from_url(redis_url).flushdb()
    with world.app_with(redis_url=redis_url, rate_limits={**world.settings.rate_limits, **SMALL}) as app:
        yield app
    assert world.client().get("/t/alpha/").status_code == 200


def assert_refused(resp, kind_words: str) -> None:
    assert resp.status_code == 429, resp.get_data(as_text=True)
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    body = resp.get_json()
    assert body["code"] == 429 and body["status"] == "Too many attempts"
    assert kind_words in body["message"] and f"{resp.headers['Retry-After']} seconds" in body["message"]


def test_the_api_is_limited_per_user_and_tenant_in_redis(world, limited):
    client = limited.test_client()
    mentor = {"Authentication-Token": world.token("alpha", "mentor")}
    assert [client.get("/t/alpha/api/v1/me", headers=mentor).status_code for _ in range(3)] == [200] * 3
    assert_refused(client.get("/t/alpha/api/v1/me", headers=mentor), "Too many API requests")

    # Another user of alpha, and beta's mentor (whose id may well be the same number), go on.
    candidate = {"Authentication-Token": world.token("alpha", "candidate")}
    assert client.get("/t/alpha/api/v1/me", headers=candidate).status_code == 200
    beta = {"Authentication-Token": world.token("beta", "mentor")}
    assert client.get("/t/beta/api/v1/me", headers=beta).status_code == 200

    keys = {k.decode() for k in redis_lib.Redis.from_url(limited.extensions["aimi_settings"].redis_url)
            .keys("aimi:*:rl:api:*")}
    assert len(keys) == 3 and {k.split(":")[1] for k in keys} == {"alpha", "beta"}


def test_try_it_scoring_is_limited_per_user(world, limited):
    client = limited.test_client()
    mentor = {"Authentication-Token": world.token("alpha", "mentor")}
    api = "/t/alpha/api/v1/evaluations"
    assert [client.post(api, json=SAMPLE, headers=mentor).status_code for _ in range(2)] == [202, 202]
    assert_refused(client.post(api, json=SAMPLE, headers=mentor), "Too many sample answers")
    admin = {"Authentication-Token": world.token("alpha", "admin")}
    assert client.post(api, json=SAMPLE, headers=admin).status_code == 202


def test_recording_uploads_are_limited_per_user(world, limited):
    chunk = "/t/alpha/interviews/1/answers/1/recordings/1/chunks/{}"
    client = world.login("alpha", "candidate", limited.test_client())
    headers = {"Accept": "application/json"}
    first = [client.post(chunk.format(n), data=b"x", headers=headers).status_code for n in range(2)]
    assert 429 not in first and max(first) < 500
    assert_refused(client.post(chunk.format(2), data=b"x", headers=headers), "Too many recording uploads")
    other = world.login("alpha", "mentor", limited.test_client())
    assert other.post(chunk.format(0), data=b"x", headers=headers).status_code != 429


@pytest.mark.parametrize(("path", "body", "words"), [
    ("register", {"email": "someone@example.org", "password": "x"}, "Too many registrations"),
    ("reset", {"email": "someone@example.org"}, "Too many password-reset"),
])
def test_registration_and_reset_are_limited_per_address_and_tenant(world, limited, path, body, words):
    def post(slug: str, ip: str):
        return limited.test_client().post(f"/t/{slug}/{path}", json=body,
                                          headers={"Accept": "application/json"},
                                          environ_base={"REMOTE_ADDR": ip})

    first = [post("alpha", "192.0.2.10").status_code for _ in range(2)]
    assert 429 not in first and max(first) < 500
    assert_refused(post("alpha", "192.0.2.10"), words)
    assert post("alpha", "192.0.2.11").status_code != 429  # another address
    assert post("beta", "192.0.2.10").status_code != 429  # the same address at another college


def test_with_redis_down_limits_count_in_memory_and_never_fail(world):
    server = OwnRedis()
    server.start()
    try:
        with world.app_with(redis_url=server.url, rate_limits={**world.settings.rate_limits, **SMALL}) as app:
            server.stop()
            client = app.test_client()
            mentor = {"Authentication-Token": world.token("alpha", "mentor")}
            answers = [client.get("/t/alpha/api/v1/me", headers=mentor).status_code for _ in range(3)]
            assert answers == [200] * 3
            assert_refused(client.get("/t/alpha/api/v1/me", headers=mentor), "Too many API requests")
    finally:
        server.stop()


def test_every_limited_endpoint_exists(world):
    """A renamed view would silently lose its limit."""
    endpoints = set(world.portal.view_functions)
    for kind in throttle.KINDS:
        assert kind.endpoints <= endpoints, kind.name
