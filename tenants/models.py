"""Tables that exist once per tenant, declared under the placeholder schema ``tenant``.

Flask-Security's own ``roles_users`` ignores schemas (its issue #738), so the
association tables are declared here with the tenant metadata.
"""

from __future__ import annotations

from datetime import datetime

from flask_security import RoleMixin
from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aimi.platform.account_mixin import AccountMixin
from aimi.platform.db import TenantBase
from aimi.platform.timeutil import utcnow

ROLE_NAMES = ("admin", "mentor", "candidate")

roles_users = Table(
    "roles_users",
    TenantBase.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

cohort_candidates = Table(
    "cohort_candidates",
    TenantBase.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

cohort_mentors = Table(
    "cohort_mentors",
    TenantBase.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Role(TenantBase, RoleMixin):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))


class User(TenantBase, AccountMixin):
    __tablename__ = "users"

    roles: Mapped[list[Role]] = relationship(secondary=roles_users, lazy="selectin")
    # The last signed-in request, recorded at most once per ``tenants.activity.EVERY``
    # (sign-ins alone miss an account used only through its remember-me cookie).
    last_active_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The IANA zone the user reads times in; None: the college's.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The college's own number for a candidate (exports, membership by CSV); unique when set.
    roll_number: Mapped[str | None] = mapped_column(String(40), unique=True)

    def requires_two_factor(self) -> bool:
        """Tenant admins must use TOTP where the configuration demands it."""
        return "admin" in self.role_names

    def augment_auth_token(self, tdata: dict) -> None:
        """Bind API tokens to the tenant that issued them."""
        from aimi.platform.tenancy import current_tenant

        super().augment_auth_token(tdata)
        tdata["tenant"] = current_tenant().slug

    def verify_auth_token(self, data: dict) -> bool:
        from aimi.platform.tenancy import maybe_current_tenant

        tenant = maybe_current_tenant()
        return tenant is not None and data.get("tenant") == tenant.slug and super().verify_auth_token(data)


class Cohort(TenantBase):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    batch: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Given at self-registration, puts the new candidate in this cohort (None: no code).
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)

    candidates: Mapped[list[User]] = relationship(secondary=cohort_candidates, lazy="selectin")
    mentors: Mapped[list[User]] = relationship(secondary=cohort_mentors, lazy="selectin")


class Setting(TenantBase):
    """One tenant setting; ``aimi.tenants.settings`` types and validates the values."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PluginSetting(TenantBase):
    """A tenant's choice for one plugin; ``aimi.plugins.settings`` validates the options."""

    __tablename__ = "plugin_settings"

    plugin: Mapped[str] = mapped_column(String(80), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuditLog(TenantBase):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str] = mapped_column(String(255), default="system")
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


class Invitation(TenantBase):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), index=True)
    role: Mapped[str] = mapped_column(String(64))  # every role, comma-separated
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)


JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(TenantBase):
    """One piece of background work (``aimi.plugins.jobs``): the record the UI and API read,
    written before the work is queued so a lost worker loses nothing."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Written every few seconds while a worker runs the job: a silent one means it died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(Integer)


class Evaluation(TenantBase):
    """A sample answer scored on request (the try-it API); its status is its job's."""

    __tablename__ = "evaluations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_by: Mapped[int | None] = mapped_column(Integer, index=True)
    request: Mapped[dict] = mapped_column(JSON)
    report: Mapped[dict | None] = mapped_column(JSON)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    job: Mapped[Job] = relationship(lazy="joined")

    @property
    def status(self) -> str:
        return self.job.status
