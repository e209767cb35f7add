"""Shared fixtures: real SQLite and MariaDB backends, real Redis, two seeded tenants.

``world`` is built once per backend (session scope, parametrized), so every test that
uses it runs on SQLite and on MariaDB. Each run names its own databases
(``aimit_<random>``) and drops them afterwards. An unreachable service skips its tests
with a loud summary line, or fails them when ``AIMI_TEST_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis as redis_lib
from helpers import PASSWORD, csrf_token  # noqa: F401 - csrf_token: tests written before helpers.py
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from aimi.platform import config, migrate
from aimi.platform.db import db
from aimi.platform.tenancy import TenantRef, maybe_current_tenant
from aimi.tenants import provisioning, registry

pytest_plugins = ("no_get_writes",)

MYSQL_URL = os.environ.get("AIMI_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
REDIS_URL = os.environ.get("AIMI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("AIMI_TEST_REQUIRE_SERVICES") == "1"
RUN_ID = uuid.uuid4().hex[:8]
_unavailable: dict[str, str] = {}


def need_service(name: str, probe) -> None:
    """Skip (or fail, under AIMI_TEST_REQUIRE_SERVICES=1) when a service is down."""
    if name in _unavailable:
        reason = _unavailable[name]
    else:
        try:
            probe()
            return
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            _unavailable[name] = reason
    message = f"{name} unreachable ({reason})"
    if REQUIRE:
        pytest.fail(f"{message} and AIMI_TEST_REQUIRE_SERVICES=1")
    pytest.skip(message)


def _probe_mysql() -> None:
    engine = create_engine(MYSQL_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def pytest_terminal_summary(terminalreporter):
    for name, reason in _unavailable.items():
        terminalreporter.write_line(
            f"!!! SERVICE UNAVAILABLE: {name}: {reason}; its tests "
            + ("FAILED (AIMI_TEST_REQUIRE_SERVICES=1) !!!" if REQUIRE
               else "were skipped (set AIMI_TEST_REQUIRE_SERVICES=1 to fail instead) !!!"),
            red=True, bold=True,
        )


@pytest.fixture(autouse=True)
def _tenant_context_is_clean():
    """Fails a test that leaves a tenant in context (django-multitenant #213)."""
    assert maybe_current_tenant() is None, "a previous test leaked its tenant context"
    yield
    assert maybe_current_tenant() is None, "this test leaked its tenant context"


@pytest.fixture(scope="session")
def redis_url() -> str:
    def probe():
        redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()

    need_service("redis", probe)
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'aimi.db'}"
    need_service("mysql", _probe_mysql)
    name = f"aimit_{RUN_ID}"
    admin = create_engine(MYSQL_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return str(make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False))


def drop_test_databases() -> None:
    admin = create_engine(MYSQL_URL)
    with admin.begin() as conn:
        names = [r[0] for r in conn.execute(text(f"SHOW DATABASES LIKE 'aimit\\_{RUN_ID}%'"))]
        for name in names:
            conn.execute(text(f"DROP DATABASE `{name}`"))
    admin.dispose()


def make_settings(tmp: Path, url: str, **changes) -> config.Settings:
    base = config.Settings(
        env="testing", secret_key="test-secret-" + RUN_ID, database_url=url,
        instance_path=tmp, base_domain="aimi.test", testing=True, log_json=False,
    )
    return base.with_(**changes)


@dataclass
class World:
    """A running app with tenants ``alpha`` and ``beta``, each with one user per role."""

    backend: str
    app: object
    settings: config.Settings
    tenants: dict[str, TenantRef] = field(default_factory=dict)

    @property
    def portal(self):
        return self.app.extensions["aimi_portal"]

    def email(self, slug: str, role: str) -> str:
        return f"{role}@{slug}.example.com"

    def client(self):
        return self.app.test_client()

    def login(self, slug: str, role: str, client=None):
        """A test client signed in through the real login endpoint."""
        client = client or self.client()
        resp = client.post(f"/t/{slug}/login", json={"email": self.email(slug, role),
                                                     "password": PASSWORD})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return client

    def token(self, slug: str, role: str) -> str:
        resp = self.client().post(
            f"/t/{slug}/login?include_auth_token",
            json={"email": self.email(slug, role), "password": PASSWORD},
        )
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.get_json()["response"]["user"]["authentication_token"]

    def hasher(self):
        from aimi.web.security import password_hasher

        return password_hasher(self.portal)

    def new_tenant(self, slug: str, name: str = "Test College") -> TenantRef:
        spec = provisioning.NewTenant(slug, name, self.email(slug, "admin"), PASSWORD)
        return provisioning.create_tenant(spec, self.hasher())


def build_world(backend: str, tmp: Path) -> World:
    from aimi.platform.db import tenant_scope, tenant_session
    from aimi.tenants import accounts
    from aimi.web.app import create_app

    settings = make_settings(tmp, database_url(backend, tmp))
    app = create_app(settings)
    migrate.upgrade_platform()
    world = World(backend, app, settings)
    hasher = world.hasher()
    for slug in ("alpha", "beta"):
        ref = world.new_tenant(slug, f"{slug.title()} College")
        with tenant_scope(ref):
            session = tenant_session()
            for role in ("mentor", "candidate"):
                accounts.create_user(session, email=world.email(slug, role),
                                     full_name=f"{slug} {role}", roles=[role],
                                     password_hash=hasher(PASSWORD), confirmed=True)
            session.commit()
        world.tenants[slug] = ref
    return world


@pytest.fixture(scope="session", params=["sqlite", "mysql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def world(backend, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"world-{backend}")
    built = build_world(backend, tmp)
    yield built
    db.dispose()
    registry.invalidate()
    if backend == "mysql":
        drop_test_databases()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium for one test module (the Chromium page tests share this one)."""
    from e2e_helpers import launch_chromium
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    launched: list = []
    try:
        need_service("chromium", lambda: launched.append(launch_chromium(playwright)))
        yield launched[0]
    finally:
        for item in launched:
            item.close()
        playwright.stop()
