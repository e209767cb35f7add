"""Fixtures only (what tests import lives in helpers.py, services.py and world.py).

``world`` (world.py) is built once per backend (session scope, parametrized), so every test
that uses it runs on SQLite and on MariaDB; while it lives its database is bound
(``use_database``), so code a test runs outside a request reaches it. Each run names its own
databases (``aimit_<random>``) and drops them afterwards. An unreachable service skips its
tests with a loud summary line, or fails them when ``AIMI_TEST_REQUIRE_SERVICES=1``.

``world`` is shared by every test of a backend, so treat it as read-only: a test that needs
a setting, a user or a status of its own makes them in data of its own (a new user, cohort
or tenant: ``world.new_tenant``, ``helpers.tag``), or changes a shared tenant through a
fixture that restores it afterwards (``change_settings``, ``change_plugin`` below). Rows a test adds to alpha
or beta (interviews, cohorts, invited users) are new rows with unique names, which no
other test counts on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
import redis as redis_lib
from services import REDIS_URL, REQUIRE, drop_test_databases, need_service, unavailable
from world import World, build_world

from aimi.platform.db import tenant_scope, tenant_session, use_database
from aimi.platform.tenancy import maybe_current_tenant
from aimi.plugins import settings as plugin_settings
from aimi.tenants import registry
from aimi.tenants import settings as tenant_settings

pytest_plugins = ("no_get_writes",)


def pytest_terminal_summary(terminalreporter):
    for name, reason in unavailable.items():
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


@pytest.fixture(scope="session", params=["sqlite", "mysql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def world(backend, tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"world-{backend}")
    built = build_world(backend, tmp)
    try:
        with use_database(built.database):
            yield built
    finally:
        built.database.dispose()
        registry.invalidate()
        if backend == "mysql":
            drop_test_databases()


@pytest.fixture
def other_app(world) -> Iterator[Callable]:
    """``other_app(**changes)``: another app with changed settings on the world's database,
    its engines closed after the test; the world's app is untouched (state is per app)."""
    with ExitStack() as stack:
        yield lambda **changes: stack.enter_context(world.app_with(**changes))


@pytest.fixture
def change_settings(world) -> Iterator[Callable[[str, dict], None]]:
    """``change_settings(slug, values)``: a shared tenant's settings changed for this test
    only; what they replaced is saved back afterwards, so ``world`` stays as it was."""
    replaced: list[tuple[str, dict]] = []

    def save(slug: str, values: dict) -> None:
        with tenant_scope(world.tenants[slug]):
            current = tenant_settings.load(tenant_session())
            replaced.append((slug, {key: getattr(current, key) for key in values}))
            tenant_settings.save(tenant_session(), values)
            tenant_session.commit()

    yield save
    for slug, values in reversed(replaced):
        with tenant_scope(world.tenants[slug]):
            tenant_settings.save(tenant_session(), values)
            tenant_session.commit()


@pytest.fixture
def change_plugin(world) -> Iterator[Callable[[str, str, bool, dict], None]]:
    """``change_plugin(slug, plugin, enabled, options)``: a shared tenant's plugin switched
    for this test only; its earlier state is saved back afterwards."""
    replaced: list[tuple[str, str, plugin_settings.PluginState]] = []

    def save(slug: str, plugin: str, enabled: bool, options: dict) -> None:
        with tenant_scope(world.tenants[slug]):
            replaced.append((slug, plugin, plugin_settings.load(tenant_session())[plugin]))
            plugin_settings.save(tenant_session(), plugin, enabled, options)
            tenant_session.commit()

    yield save
    for slug, plugin, state in reversed(replaced):
        with tenant_scope(world.tenants[slug]):
            plugin_settings.save(tenant_session(), plugin, state.enabled, state.options)
            tenant_session.commit()


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the run: the sync API allows one at a time, so a test module
    that needs a Chromium of its own (a fake microphone) launches it from this one."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Debian's Chromium, launched once for the run (each test opens a context of its own)."""
    from e2e_helpers import launch_chromium

    launched: list = []
    try:
        need_service("chromium", lambda: launched.append(launch_chromium(playwright_driver)))
        yield launched[0]
    finally:
        for item in launched:
            item.close()
