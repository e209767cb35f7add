"""Find a tenant by slug or custom domain, with a short in-process cache.

The cache holds platform data only (which schema a slug maps to), keyed by the database
in context and the slug or domain; a change of status calls ``invalidate`` so this process sees it at once and
other processes within ``TTL`` seconds.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from aimi.platform.db import current_db, platform_session
from aimi.platform.models import Tenant, TenantDomain
from aimi.platform.tenancy import TenantRef

TTL = 5.0
_cache: dict[tuple[int, str, str], tuple[float, TenantRef | None]] = {}
_lock = threading.Lock()


def _cached(kind: str, name: str, load) -> TenantRef | None:
    key, now = (current_db().serial, kind, name), time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and now - hit[0] < TTL:
        return hit[1]
    try:
        value = load()
    finally:
        platform_session.remove()
    with _lock:
        _cache[key] = (now, value)
    return value


def by_slug(slug: str) -> TenantRef | None:
    def load():
        row = platform_session.scalar(select(Tenant).where(Tenant.slug == slug))
        return row.ref() if row else None

    return _cached("slug", slug, load)


def by_domain(domain: str) -> TenantRef | None:
    domain = domain.lower().rstrip(".")

    def load():
        row = platform_session.scalar(
            select(Tenant).join(TenantDomain).where(TenantDomain.domain == domain)
        )
        return row.ref() if row else None

    return _cached("domain", domain, load)


def invalidate() -> None:
    with _lock:
        _cache.clear()
