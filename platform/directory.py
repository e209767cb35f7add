"""The platform's tenant directory and audit log as the console and the CLI read them
(changes go through ``aimi.tenants.provisioning``)."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from aimi.platform.db import platform_session
from aimi.platform.models import TENANT_STATUSES, PlatformAuditLog, Tenant


def tenants(search: str = "", status: str = "") -> Select:
    """Tenants by slug; ``search`` matches part of the slug or name, whatever its case, and
    a known ``status`` keeps only the tenants in it."""
    stmt = select(Tenant).order_by(Tenant.slug)
    if search:
        pattern = f"%{search.lower()}%"
        stmt = stmt.where(or_(func.lower(Tenant.slug).like(pattern), func.lower(Tenant.name).like(pattern)))
    if status in TENANT_STATUSES:
        stmt = stmt.where(Tenant.status == status)
    return stmt


def every_tenant() -> list[Tenant]:
    """Every tenant, by slug."""
    return list(platform_session.scalars(tenants()))


def find(slug: str) -> Tenant | None:
    """The tenant with this slug, or None."""
    return platform_session.scalar(select(Tenant).where(Tenant.slug == slug))


def audit_log() -> Select:
    """The platform audit log, newest first."""
    return select(PlatformAuditLog).order_by(PlatformAuditLog.at.desc(), PlatformAuditLog.id.desc())
