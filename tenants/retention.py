"""Keeping candidates' data no longer than their college chose: candidate accounts inactive
for longer than the college's ``inactive_account_years`` are erased (``tenants.erasure``,
audited as done by the system for this reason), and finished data exports past their
``KEEP_DAYS`` lose their zip file.

Inactive means: no sign-in and no interview started since the cut-off (an account never
used counts from its creation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aimi.platform.timeutil import utcnow
from aimi.tenants import erasure, stored_files
from aimi.tenants.data_export import EXPORT_KIND, KEEP_DAYS
from aimi.tenants.interview_models import Interview
from aimi.tenants.models import Job, User
from aimi.tenants.settings import TenantSettings


@dataclass(frozen=True)
class Inactive:
    user_id: int
    email: str
    last_active: datetime


@dataclass
class Purge:
    """What a purge erased (or, in a dry run, would erase)."""

    accounts: list[Inactive] = field(default_factory=list)
    exports: int = 0


def last_active(session: Session) -> dict[int, datetime]:
    """Each candidate's latest sign-in, interview start or (never used) creation."""
    started = dict(session.execute(select(Interview.candidate_id, func.max(Interview.started_at))
                                   .group_by(Interview.candidate_id)).all())
    found = {}
    for user in session.scalars(select(User)):
        if user.role_names != ["candidate"] or erasure.is_erased(user):
            continue
        moments = [user.current_login_at, user.last_login_at, started.get(user.id), user.created_at]
        found[user.id] = max(m for m in moments if m is not None)
    return found


def inactive_candidates(session: Session, years: int, now: datetime | None = None) -> list[Inactive]:
    """Candidates inactive for more than ``years`` (none when the setting is off)."""
    if not years:
        return []
    cutoff = (now or utcnow()) - timedelta(days=365 * years)
    users = {u.id: u for u in session.scalars(select(User))}
    return sorted((Inactive(uid, users[uid].email, when)
                   for uid, when in last_active(session).items() if when < cutoff),
                  key=lambda found: found.last_active)


def expired_exports(session: Session, now: datetime | None = None) -> list[Job]:
    """Finished exports older than ``KEEP_DAYS`` whose file is still stored."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    jobs = session.scalars(select(Job).where(Job.kind == EXPORT_KIND, Job.status == "done",
                                             Job.finished_at < cutoff))
    return [job for job in jobs if job.result and job.result.get("key")]


def purge(session: Session, settings: TenantSettings, *, dry_run: bool = False,
          now: datetime | None = None) -> Purge:
    """Erase inactive candidates and drop expired export files; the caller commits (the
    files go after the commit). A dry run changes nothing."""
    done = Purge(inactive_candidates(session, settings.inactive_account_years, now), 0)
    exports = expired_exports(session, now)
    done.exports = len(exports)
    if dry_run:
        return done
    reason = f"inactive for more than {settings.inactive_account_years} year(s)"
    for found in done.accounts:
        erasure.erase(session, session.get_one(User, found.user_id), actor=None, reason=reason)
    stored_files.delete_after_commit(session, [(job.result or {})["key"] for job in exports])
    for job in exports:
        job.result = {"expired": True}
    return done
