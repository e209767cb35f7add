"""State is per app (issue 12): two apps in one process, each on a database of its own, each
reads its own colleges, through requests, in its app context and outside any app, however
their uses interleave. SQLite files only: what is checked is which database an app reaches,
not how a database behaves."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import PASSWORD
from sqlalchemy import select
from world import make_settings

from aimi.platform import migrate
from aimi.platform.db import APP_KEY, current_db, platform_session, tenant_scope, tenant_session, use_database
from aimi.platform.models import Tenant
from aimi.tenants import provisioning, registry
from aimi.tenants import settings as tenant_settings
from aimi.web.app import create_app
from aimi.web.security import password_hasher


def college_app(folder: Path, slug: str):
    """An app on a new SQLite database holding one college, ``slug``."""
    app = create_app(make_settings(folder, f"sqlite:///{folder / 'aimi.db'}"))
    with app.app_context():
        migrate.upgrade_platform()
        spec = provisioning.NewTenant(slug, f"College {slug}", f"admin@{slug}.example.com", PASSWORD)
        provisioning.create_tenant(spec, password_hasher(app.extensions["aimi_portal"]))
    return app


@pytest.fixture
def two_apps(tmp_path) -> Iterator[tuple]:
    apps = (college_app(tmp_path / "one", "one"), college_app(tmp_path / "two", "two"))
    yield apps
    for app in apps:
        app.extensions[APP_KEY].dispose()
    registry.invalidate()


def slugs() -> set[str]:
    return set(platform_session.scalars(select(Tenant.slug)))


def test_two_apps_in_one_process_each_read_their_own_database(two_apps):
    one, two = two_apps
    assert one.extensions[APP_KEY] is not two.extensions[APP_KEY]
    # Through requests, in turns: each app knows its own college only (the tenant cache too).
    for _turn in range(2):
        assert one.test_client().get("/t/one/login").status_code == 200
        assert two.test_client().get("/t/one/login").status_code == 404
        assert two.test_client().get("/t/two/login").status_code == 200
        assert one.test_client().get("/t/two/login").status_code == 404
    # In app contexts, nested: the inner app's database, then the outer's again.
    with one.app_context():
        assert slugs() == {"one"}
        with two.app_context():
            assert slugs() == {"two"}
            assert registry.by_slug("one") is None
        assert slugs() == {"one"}
        platform_session.remove()
    # Outside any app, the database bound; a tenant's rows come from its app's database.
    with use_database(two.extensions[APP_KEY]):
        assert current_db() is two.extensions[APP_KEY]
        assert registry.by_slug("two") is not None and registry.by_slug("one") is None
        with tenant_scope(registry.by_slug("two")):
            assert tenant_settings.load(tenant_session()).display_name == "College two"
        platform_session.remove()


def test_no_app_and_no_database_bound_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no database in context"):
        contextvars.Context().run(current_db)  # empty, as a new thread starts (whatever is bound here)
