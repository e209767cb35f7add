"""Run the two Alembic trees: the platform schema, then every tenant schema.

Tenants already at head are skipped with one cheap query each (django-tenants #719:
900 tenants took 12 minutes with nothing to apply). A tenant that fails is reported and
does not stop the others. Tenants are upgraded one after another: Alembic's ``op`` and
``context`` are process-wide proxies, so two upgrades in threads of one process corrupt
each other (seen here: migrations landing in the wrong tenant). Parallelism, when the
tenant count needs it, belongs in separate processes.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select

from aimi.platform.db import current_db, platform_session
from aimi.platform.tenancy import TenantRef


def migrations_dir() -> Path:
    spec = importlib.util.find_spec("aimi.migrations")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("aimi.migrations is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _config(tree: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir() / tree))
    return cfg


def head(tree: str) -> str | None:
    return ScriptDirectory.from_config(_config(tree)).get_current_head()


def _version_schema(tenant: TenantRef) -> str | None:
    return None if current_db().is_sqlite else tenant.schema_name


def platform_revision() -> str | None:
    with current_db().platform_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def tenant_revision(tenant: TenantRef) -> str | None:
    with current_db().tenant_engine(tenant).connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"version_table_schema": _version_schema(tenant)}
        )
        return ctx.get_current_revision()


def upgrade_platform(revision: str = "head") -> None:
    cfg = _config("platform")
    with current_db().platform_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _run_tenant(tenant: TenantRef, action: str, revision: str) -> None:
    cfg = _config("tenant")
    cfg.attributes["version_schema"] = _version_schema(tenant)
    with current_db().tenant_engine(tenant).begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def upgrade_tenant(tenant: TenantRef, revision: str = "head") -> None:
    _run_tenant(tenant, "upgrade", revision)


def downgrade_tenant(tenant: TenantRef, revision: str) -> None:
    _run_tenant(tenant, "downgrade", revision)


@dataclass(frozen=True)
class TenantMigration:
    slug: str
    before: str | None
    after: str | None
    status: str  # "upgraded", "current" or "failed"
    error: str = ""


def _migrate_one(tenant: TenantRef, target: str | None) -> TenantMigration:
    before = None
    try:
        before = tenant_revision(tenant)
        if before == target:
            return TenantMigration(tenant.slug, before, before, "current")
        upgrade_tenant(tenant)
        return TenantMigration(tenant.slug, before, tenant_revision(tenant), "upgraded")
    except Exception as exc:  # reported per tenant; the others go on
        return TenantMigration(tenant.slug, before, None, "failed", f"{type(exc).__name__}: {exc}")


def migratable_tenants() -> list[TenantRef]:
    from aimi.platform.models import Tenant

    rows = platform_session.scalars(
        select(Tenant).where(Tenant.status != "provisioning").order_by(Tenant.slug)
    ).all()
    refs = [row.ref() for row in rows]
    platform_session.remove()
    return refs


def upgrade_tenants(tenants: Iterable[TenantRef] | None = None) -> list[TenantMigration]:
    """Upgrade each tenant schema to head; never raises for a single tenant's failure."""
    targets = migratable_tenants() if tenants is None else list(tenants)
    want = head("tenant")
    return [_migrate_one(tenant, want) for tenant in targets]
