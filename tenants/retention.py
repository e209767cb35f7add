"""Keeping candidates' data no longer than their college chose: candidate accounts inactive
for longer than the college's ``inactive_account_years`` are erased (``tenants.erasure``,
audited as done by the system for this reason), and finished data exports past their
``KEEP_DAYS`` lose their zip file.

Inactive means: no sign-in, no signed-in request (``tenants.activity``) and no interview
started since the cut-off (an account never used counts from its creation).

Nobody is erased unwarned: ``WARN_DAYS`` before their period ends (or at once, when a
college turns retention on) a candidate is mailed, once per inactive spell, the day their
account will be erased and that signing in keeps it. The account goes on that day at the
earliest, at least ``WARN_DAYS`` after the warning, and only if it was not used meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aimi.platform.timeutil import utcnow
from aimi.platform.wording import plural
from aimi.tenants import erasure, notifications, stored_files
from aimi.tenants.data_export import EXPORT_KIND, KEEP_DAYS
from aimi.tenants.interview_models import Interview
from aimi.tenants.models import Job, User
from aimi.tenants.notification_models import Notification
from aimi.tenants.settings import TenantSettings

WARN_DAYS = 30
WARNING_KIND = "retention_warning"


@dataclass(frozen=True)
class Inactive:
    user_id: int
    email: str
    last_active: datetime
    erase_on: date  # the day named in the warning


@dataclass
class Purge:
    """What a purge erased and warned (or, in a dry run, would)."""

    accounts: list[Inactive] = field(default_factory=list)
    warned: list[Inactive] = field(default_factory=list)
    exports: int = 0


def last_active(session: Session) -> dict[int, datetime]:
    """Each candidate's latest sign-in, signed-in request, interview start or (never used)
    creation."""
    started = dict(session.execute(select(Interview.candidate_id, func.max(Interview.started_at))
                                   .group_by(Interview.candidate_id)).all())
    found = {}
    for user in session.scalars(select(User)):
        if user.role_names != ["candidate"] or erasure.is_erased(user):
            continue
        moments = [user.current_login_at, user.last_login_at, user.last_active_at, started.get(user.id),
                   user.created_at]
        found[user.id] = max(m for m in moments if m is not None)
    return found


def period(years: int) -> timedelta:
    return timedelta(days=365 * years)


def erase_on(last: datetime, years: int, warned_at: datetime) -> date:
    """The day an account goes: after its period and ``WARN_DAYS`` after its warning, the
    day after the later of the two (so never earlier than the warning says)."""
    return max(last + period(years), warned_at + timedelta(days=WARN_DAYS)).date() + timedelta(days=1)


def warning_key(last: datetime) -> str:
    """One warning per inactive spell: signing in starts a new spell, so a new warning."""
    return f"inactive-since-{last:%Y%m%d%H%M%S}"


def approaching(session: Session, years: int, now: datetime) -> list[tuple[User, datetime]]:
    """Candidates whose period ends within ``WARN_DAYS`` (or ended), longest unused first."""
    if not years:
        return []
    horizon = now - period(years) + timedelta(days=WARN_DAYS)
    users = {u.id: u for u in session.scalars(select(User))}
    return sorted(((users[uid], when) for uid, when in last_active(session).items() if when <= horizon),
                  key=lambda found: found[1])


def plan(session: Session, years: int, now: datetime) -> tuple[list[Inactive], list[Inactive]]:
    """(those due for erasure, those to warn now)."""
    due, to_warn = [], []
    for user, last in approaching(session, years, now):
        warning = session.scalar(select(Notification).where(
            Notification.key == notifications.key_for(WARNING_KIND, warning_key(last), user=user)))
        if warning is None:
            to_warn.append(Inactive(user.id, user.email, last, erase_on(last, years, now)))
        elif now.date() >= (day := erase_on(last, years, warning.created_at)):
            due.append(Inactive(user.id, user.email, last, day))
    return due, to_warn


def warn(session: Session, user: User, found: Inactive, settings: TenantSettings, portal_url: str) -> None:
    """Tell the candidate the day their account goes and how to keep it (essential mail:
    no preference turns it off)."""
    college, years, day = settings.display_name, settings.inactive_account_years, f"{found.erase_on:%d %B %Y}"
    notifications.notify(
        session, kind=WARNING_KIND, key=warning_key(found.last_active), user=user,
        title=f"Your account at {college} will be erased on {day}", link="/login", base_url=portal_url,
        body=f"Hello {user.display_name},\n\nYou have not used your account at {college} since "
             f"{found.last_active:%d %B %Y}. {college} keeps unused candidate accounts for "
             f"{plural(years, 'year')}, so on {day} your account will be erased: your answers, "
             f"recordings, transcripts and feedback are deleted, and your scores are kept only "
             f"without your name.\n\n"
             f"To keep your account, sign in before {day}: signing in is all it takes. If you no longer "
             f"need it, you need not do anything.")


def expired_exports(session: Session, now: datetime | None = None) -> list[Job]:
    """Finished exports older than ``KEEP_DAYS`` whose file is still stored."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    jobs = session.scalars(select(Job).where(Job.kind == EXPORT_KIND, Job.status == "done",
                                             Job.finished_at < cutoff))
    return [job for job in jobs if job.result and job.result.get("key")]


def purge(session: Session, settings: TenantSettings, *, dry_run: bool = False,
          now: datetime | None = None, portal_url: str = "") -> Purge:
    """Warn candidates nearing their college's period, erase those due, and drop expired
    export files; the caller commits (the files go after the commit). ``portal_url`` makes
    the warning's sign-in link absolute. A dry run changes nothing."""
    now = now or utcnow()
    due, to_warn = plan(session, settings.inactive_account_years, now)
    exports = expired_exports(session, now)
    done = Purge(due, to_warn, len(exports))
    if dry_run:
        return done
    for found in to_warn:
        warn(session, session.get_one(User, found.user_id), found, settings, portal_url)
    reason = f"inactive for more than {plural(settings.inactive_account_years, 'year')}"
    for found in due:
        erasure.erase(session, session.get_one(User, found.user_id), actor=None, reason=reason)
    stored_files.delete_after_commit(session, [(job.result or {})["key"] for job in exports])
    for job in exports:
        job.result = {"expired": True}
    return done
