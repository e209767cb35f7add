"""The current tenant, held in a ContextVar.

Request handling and the job wrapper set it and clear it after; nothing else does. A
query on a tenant model with no tenant set raises ``NoTenantError`` instead of silently
falling back to some default schema.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
SCHEMA_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_]{0,63}$")
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "app", "assets", "auth", "billing", "cdn", "dashboard", "docs",
        "help", "login", "logout", "mail", "platform", "root", "signup", "static",
        "status", "support", "system", "t", "tenant", "tenants", "test", "www",
        "healthz", "readyz", "metrics",
    }
)


class NoTenantError(RuntimeError):
    """A tenant-scoped operation ran without a tenant in context."""


class InvalidSlugError(ValueError):
    """A tenant slug does not follow the rules; the message says which one."""


@dataclass(frozen=True)
class TenantRef:
    """What the rest of the code needs to know about the tenant in context."""

    id: int
    slug: str
    name: str
    schema_name: str
    db_server: str = "default"
    status: str = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"


_current: ContextVar[TenantRef | None] = ContextVar("aimi_tenant", default=None)


def validate_slug(slug: str) -> str:
    """Return the slug if it is usable, else raise ``InvalidSlugError`` saying why."""
    if not isinstance(slug, str) or not slug:
        raise InvalidSlugError("a tenant slug is required")
    if len(slug) < 3 or len(slug) > 40:
        raise InvalidSlugError(f"slug {slug!r} must be 3 to 40 characters long")
    if not SLUG_RE.match(slug) or "--" in slug:
        raise InvalidSlugError(
            f"slug {slug!r} may only use lowercase letters, digits and single hyphens, "
            "and must start and end with a letter or digit"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidSlugError(f"slug {slug!r} is reserved; choose another")
    return slug


def validate_schema_name(name: str) -> str:
    if not SCHEMA_RE.match(name):
        raise ValueError(f"unsafe schema name {name!r}")
    return name


def current_tenant() -> TenantRef:
    tenant = _current.get()
    if tenant is None:
        raise NoTenantError("no tenant in context: set one with tenant_scope()")
    return tenant


def maybe_current_tenant() -> TenantRef | None:
    return _current.get()


def set_tenant(tenant: TenantRef | None):
    """Set the tenant; returns the token to pass to ``reset_tenant``."""
    return _current.set(tenant)


def reset_tenant(token) -> None:
    _current.reset(token)
