"""Super-admins: the platform's own accounts (the /admin console)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select

from aimi.platform.db import platform_session
from aimi.platform.models import PlatformRole, SuperAdmin
from aimi.platform.timeutil import utcnow


def ensure(email: str, password: str, name: str, hasher: Callable[[str], str]) -> SuperAdmin:
    """Create the super-admin (and the superadmin role) if missing; idempotent, for the
    demo and the CLI. Commits."""
    session = platform_session()
    role = session.scalar(select(PlatformRole).where(PlatformRole.name == "superadmin"))
    if role is None:
        role = PlatformRole(name="superadmin", description="Runs the aimi platform")
        session.add(role)
    admin = session.scalar(select(SuperAdmin).where(SuperAdmin.email == email))
    if admin is None:
        admin = SuperAdmin(email=email, full_name=name, password=hasher(password),
                           fs_uniquifier=uuid.uuid4().hex, confirmed_at=utcnow(), active=True,
                           roles=[role])
        session.add(admin)
    session.commit()
    return admin
