"""Probes, request ids and structured logs that carry the tenant."""

from __future__ import annotations

import io
import json
import logging

from aimi.platform.db import tenant_scope
from aimi.platform.logsetup import ContextFilter, JsonFormatter, request_id


def test_healthz_on_every_host(world):
    for host in ("aimi.test", "alpha.aimi.test", "careers.unknown.example.org"):
        resp = world.client().get("/healthz", headers={"Host": host})
        assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_checks_database_and_redis(world, redis_url):
    with world.app_with(redis_url=redis_url) as app:
        ready = app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}
    with world.app_with(redis_url="redis://127.0.0.1:1/0") as broken:
        resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["checks"]["redis"].startswith("error")


def test_request_id_is_echoed_or_made(world):
    given = world.client().get("/t/alpha/", headers={"X-Request-ID": "abc123"})
    assert given.headers["X-Request-ID"] == "abc123"
    made = world.client().get("/t/alpha/")
    assert len(made.headers["X-Request-ID"]) == 32


def test_log_lines_carry_tenant_and_request_id(world):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("aimi.test-logs")
    logger.addHandler(handler)
    token = request_id.set("req-42")
    try:
        with tenant_scope(world.tenants["alpha"]):
            logger.warning("inside")
        logger.warning("outside")
    finally:
        request_id.reset(token)
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (inside["tenant"], inside["request_id"], inside["msg"]) == ("alpha", "req-42", "inside")
    assert outside["tenant"] == "-"
