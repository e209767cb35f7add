"""The ``world`` the tests share: a running app with tenants ``alpha`` and ``beta``, each with
one user per role (built by the ``world`` fixture in conftest, and by benchmarks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from helpers import PASSWORD
from services import RUN_ID, database_url

from aimi.platform import config, migrate
from aimi.platform.db import APP_KEY, Database, tenant_scope, tenant_session, use_database
from aimi.platform.tenancy import TenantRef
from aimi.tenants import provisioning

ROLES = ("mentor", "candidate")  # besides the admin each tenant is made with


def make_settings(tmp: Path, url: str, **changes) -> config.Settings:
    base = config.Settings(
        env="testing", secret_key="test-secret-" + RUN_ID, database_url=url,
        instance_path=tmp, base_domain="aimi.test", testing=True, log_json=False,
        fast_password_hashing=True,  # argon2 at its smallest cost: logins are most of the suite
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

    @property
    def database(self) -> Database:
        """The app's database: what code outside a request uses (the fixture binds it)."""
        return self.app.extensions[APP_KEY]

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

    @contextmanager
    def app_with(self, **changes) -> Iterator:
        """Another app with ``changes`` to the world's settings (a Redis, a rate limit...) on
        the same database, through engines of its own, closed afterwards. The world's app is
        untouched: each app holds its own state."""
        from aimi.web.app import create_app

        app = create_app(self.settings.with_(**changes))
        try:
            yield app
        finally:
            app.extensions[APP_KEY].dispose()

    def new_tenant(self, slug: str, name: str = "Test College") -> TenantRef:
        spec = provisioning.NewTenant(slug, name, self.email(slug, "admin"), PASSWORD)
        return provisioning.create_tenant(spec, self.hasher())


def build_world(backend: str, tmp: Path) -> World:
    """A new app on a new database of ``backend``, migrated and seeded. Code run outside
    its requests needs its database bound: ``with use_database(world.database)``."""
    from aimi.tenants import accounts
    from aimi.web.app import create_app

    settings = make_settings(tmp, database_url(backend, tmp))
    world = World(backend, create_app(settings), settings)
    with use_database(world.database):
        migrate.upgrade_platform()
        hasher = world.hasher()
        for slug in ("alpha", "beta"):
            ref = world.new_tenant(slug, f"{slug.title()} College")
            with tenant_scope(ref):
                session = tenant_session()
                for role in ROLES:
                    accounts.create_user(session, email=world.email(slug, role),
                                         full_name=f"{slug} {role}", roles=[role],
                                         password_hash=hasher(PASSWORD), confirmed=True)
                session.commit()
            world.tenants[slug] = ref
    return world
