"""When a user last used their account: what retention counts as activity.

Sign-ins are tracked by Flask-Security, but an account used only through its remember-me
cookie (or a long-lived session) never signs in again. So every signed-in request may
record ``users.last_active_at``, at most once per ``EVERY``: one UPDATE an hour per busy
user, none on the requests in between (the loaded user row already says it is fresh).

The stamp is written in a session of its own, committed at once, so it never commits
(or is rolled back with) the request's own work, and a GET page changes nothing it shows
(docs/decisions.md, "Activity is recorded on GET too").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from aimi.platform.db import current_db
from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.tenants.models import User

EVERY = timedelta(minutes=60)
# The one session a GET request may commit (tests/no_get_writes.py reads this mark).
ACTIVITY_SESSION = "aimi_activity_stamp"


def is_stale(user: User, now: datetime) -> bool:
    return user.last_active_at is None or user.last_active_at <= now - EVERY


def record(user: User, now: datetime | None = None) -> None:
    """Stamp ``user`` active now unless they were within ``EVERY``. The UPDATE is
    conditional, so concurrent requests write once."""
    now = now or utcnow()
    if not is_stale(user, now):
        return
    with Session(bind=current_db().tenant_engine(current_tenant()),
                 info={"realm": "tenant", ACTIVITY_SESSION: True}) as session:
        session.execute(
            update(User).where(User.id == user.id, or_(User.last_active_at.is_(None),
                                                       User.last_active_at <= now - EVERY))
            .values(last_active_at=now).execution_options(synchronize_session=False))
        session.commit()
    # The request's copy of the row: fresh for the rest of it, and not a pending change.
    set_committed_value(user, "last_active_at", now)
