"""The shared platform schema: tenants, their domains, plans, super-admins, audit log."""

from __future__ import annotations

from datetime import datetime

from flask_security import RoleMixin
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aimi.platform.account_mixin import AccountMixin
from aimi.platform.db import PlatformBase
from aimi.platform.tenancy import TenantRef
from aimi.platform.timeutil import utcnow

TENANT_STATUSES = ("provisioning", "active", "suspended")


class Plan(PlatformBase):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    max_candidates: Mapped[int | None] = mapped_column(Integer)
    features: Mapped[dict] = mapped_column(JSON, default=dict)


class Tenant(PlatformBase):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="provisioning")
    schema_name: Mapped[str] = mapped_column(String(64), unique=True)
    # Which database server holds this tenant (a key of AIMI_DB_SERVERS, or "default").
    db_server: Mapped[str] = mapped_column(String(40), default="default")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime)

    plan: Mapped[Plan | None] = relationship()
    domains: Mapped[list[TenantDomain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan"
    )

    def ref(self) -> TenantRef:
        return TenantRef(
            id=self.id,
            slug=self.slug,
            name=self.name,
            schema_name=self.schema_name,
            db_server=self.db_server,
            status=self.status,
        )


class TenantDomain(PlatformBase):
    __tablename__ = "tenant_domains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


platform_roles_users = Table(
    "super_admin_roles",
    PlatformBase.metadata,
    Column("user_id", ForeignKey("super_admins.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("platform_roles.id", ondelete="CASCADE"), primary_key=True),
)


class PlatformRole(PlatformBase, RoleMixin):
    __tablename__ = "platform_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))


class SuperAdmin(PlatformBase, AccountMixin):
    __tablename__ = "super_admins"

    roles: Mapped[list[PlatformRole]] = relationship(
        secondary=platform_roles_users, lazy="selectin"
    )

    def requires_two_factor(self) -> bool:
        return True


class PlatformAuditLog(PlatformBase):
    __tablename__ = "platform_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(80))
    tenant_slug: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
