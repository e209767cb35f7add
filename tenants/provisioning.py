"""Create, suspend, resume, export and delete tenants.

Creating is all-or-nothing: the tenant row is claimed first (the unique slug guards
against a concurrent create), then the schema is created, migrated and seeded; any
failure drops the schema and the row again, so nothing is left half-made.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aimi.platform import directory, migrate, passwords
from aimi.platform.db import TenantBase, current_db, platform_session, tenant_scope, tenant_session
from aimi.platform.models import PlatformAuditLog, Tenant, TenantDomain
from aimi.platform.tenancy import TenantRef, validate_slug
from aimi.platform.timeutil import utcnow
from aimi.tenants import (
    accounts,
    audit,
    interview_models,  # noqa: F401  (every tenant table is exported)
    registry,
    settings,
)
from aimi.tenants.models import ROLE_NAMES, Role
from aimi.tenants.starter_bank import seed_starter_bank

ROLE_DESCRIPTIONS = {
    "admin": "Runs the college's portal: users, cohorts, question banks, analytics.",
    "mentor": "Guides cohorts, schedules live sessions, reviews and overrides scores.",
    "candidate": "Practises interviews and follows their progress.",
}


class ProvisioningError(RuntimeError):
    """Creating or changing a tenant failed; the message says why and nothing changed."""


@dataclass(frozen=True)
class NewTenant:
    slug: str
    name: str
    admin_email: str
    admin_password: str
    admin_name: str = ""
    db_server: str = "default"

    def validate(self) -> NewTenant:
        try:
            validate_slug(self.slug)
            email = accounts.normalise_email(self.admin_email)
        except ValueError as exc:
            raise ProvisioningError(str(exc)) from exc
        if not 1 <= len(self.name.strip()) <= 120:
            raise ProvisioningError("the tenant name must be 1 to 120 characters")
        weak = passwords.weakness(self.admin_password, (email, self.name, self.admin_name, self.slug))
        if weak:
            raise ProvisioningError(f"the admin password is too weak. {weak}")
        if self.db_server != "default" and self.db_server not in current_db().servers:
            raise ProvisioningError(f"unknown database server {self.db_server!r}")
        return NewTenant(self.slug, self.name.strip(), email, self.admin_password,
                         self.admin_name.strip(), self.db_server)


def seed(tenant: TenantRef, spec: NewTenant, hash_password: Callable[[str], str]) -> None:
    """Roles, default settings, the first admin and the starter question bank of a freshly
    migrated schema, in one transaction."""
    with tenant_scope(tenant):
        session = tenant_session()
        session.add_all(Role(name=n, description=ROLE_DESCRIPTIONS[n]) for n in ROLE_NAMES)
        session.flush()
        settings.save(session, {"display_name": spec.name})
        admin = accounts.create_user(
            session, email=spec.admin_email, full_name=spec.admin_name or "Administrator",
            roles=["admin"], password_hash=hash_password(spec.admin_password), confirmed=True,
        )
        seed_starter_bank(session)
        audit.record(session, "tenant.provisioned", target_type="tenant", target_id=tenant.slug,
                     details={"admin": admin.email})
        session.commit()


def _platform_audit(actor: str, action: str, slug: str, **details) -> None:
    platform_session.add(PlatformAuditLog(actor=actor, action=action, tenant_slug=slug,
                                          details=details))


def create_tenant(
    spec: NewTenant,
    hash_password: Callable[[str], str],
    *,
    actor: str = "cli",
    steps: tuple[Callable[[TenantRef, NewTenant, Callable[[str], str]], None], ...] = (seed,),
) -> TenantRef:
    """Provision a tenant; raises ``ProvisioningError`` and leaves nothing on failure."""
    spec = spec.validate()
    database = current_db()
    session = platform_session()
    if session.scalar(select(Tenant).where(Tenant.slug == spec.slug)):
        platform_session.remove()
        raise ProvisioningError(f"a tenant with slug {spec.slug!r} already exists; nothing changed")
    row = Tenant(slug=spec.slug, name=spec.name, status="provisioning",
                 schema_name=database.schema_name_for(spec.slug), db_server=spec.db_server)
    session.add(row)
    try:
        session.commit()
    except IntegrityError as exc:
        platform_session.remove()
        raise ProvisioningError(f"a tenant with slug {spec.slug!r} already exists") from exc
    ref = row.ref()
    created_schema = False
    try:
        if database.schema_exists(ref):
            raise ProvisioningError(
                f"schema {ref.schema_name} already exists without a tenant; drop it or choose "
                "another slug"
            )
        database.create_schema(ref)
        created_schema = True
        migrate.upgrade_tenant(ref)
        for step in steps:
            step(ref, spec, hash_password)
        row.status = "active"
        _platform_audit(actor, "tenant.created", spec.slug, name=spec.name)
        session.commit()
    except Exception as exc:
        session.rollback()
        if created_schema:
            database.drop_schema(ref)
        session.delete(session.get(Tenant, ref.id))
        session.commit()
        platform_session.remove()
        registry.invalidate()
        if isinstance(exc, ProvisioningError):
            raise
        raise ProvisioningError(f"provisioning {spec.slug!r} failed and was rolled back: {exc}") from exc
    platform_session.remove()
    registry.invalidate()
    return TenantRef(ref.id, ref.slug, ref.name, ref.schema_name, ref.db_server, "active")


def get_tenant(slug: str) -> Tenant:
    row = directory.find(slug)
    if row is None:
        raise ProvisioningError(f"no tenant with slug {slug!r}; `aimi tenants list` shows them")
    return row


def set_status(slug: str, status: str, *, actor: str = "cli") -> TenantRef:
    """Suspend or resume a tenant."""
    if status not in {"active", "suspended"}:
        raise ProvisioningError("status must be active or suspended")
    try:
        row = get_tenant(slug)
        if row.status == "provisioning":
            raise ProvisioningError(f"tenant {slug!r} is still being provisioned")
        if row.status != status:
            row.status = status
            row.suspended_at = utcnow() if status == "suspended" else None
            _platform_audit(actor, "tenant.suspended" if status == "suspended" else "tenant.resumed",
                            slug)
            platform_session.commit()
        return row.ref()
    finally:
        platform_session.remove()
        registry.invalidate()


def add_domain(slug: str, domain: str, *, actor: str = "cli") -> None:
    domain = domain.strip().lower().rstrip(".")
    if not settings.DOMAIN_RE.match(domain):
        raise ProvisioningError(f"{domain!r} is not a valid domain name")
    try:
        row = get_tenant(slug)
        if platform_session.scalar(select(TenantDomain).where(TenantDomain.domain == domain)):
            raise ProvisioningError(f"domain {domain} is already in use")
        row.domains.append(TenantDomain(domain=domain))
        _platform_audit(actor, "tenant.domain_added", slug, domain=domain)
        platform_session.commit()
    finally:
        platform_session.remove()
        registry.invalidate()


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def export_tenant(tenant: TenantRef, directory: Path) -> Path:
    """Write every tenant table as JSON into one zip archive; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{tenant.slug}-{stamp}-{uuid.uuid4().hex[:6]}.zip"
    tables = TenantBase.metadata.sorted_tables
    counts: dict[str, int] = {}
    manifest = {"tenant": tenant.slug, "name": tenant.name, "exported_at": stamp,
                "schema_revision": migrate.tenant_revision(tenant), "tables": counts}
    with current_db().tenant_engine(tenant).connect() as conn, zipfile.ZipFile(
        path, "w", zipfile.ZIP_DEFLATED
    ) as archive:
        for table in tables:
            rows = [{k: _jsonable(v) for k, v in r._mapping.items()}
                    for r in conn.execute(table.select())]
            counts[table.name] = len(rows)
            archive.writestr(f"{table.name}.json", json.dumps(rows, indent=1, default=str))
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    return path


def delete_tenant(slug: str, export_dir: Path, *, actor: str = "cli") -> Path | None:
    """Export the tenant's data, then drop its schema and its row. Returns the archive."""
    try:
        row = get_tenant(slug)
        ref, database = row.ref(), current_db()
        archive = export_tenant(ref, export_dir) if database.schema_exists(ref) else None
        database.drop_schema(ref)
        platform_session.delete(row)
        _platform_audit(actor, "tenant.deleted", slug, archive=str(archive or ""))
        platform_session.commit()
    finally:
        platform_session.remove()
        registry.invalidate()
    return archive
