"""Notifications: every message to a user is a row staged with its cause, listed in the
user's inbox and/or e-mailed by a job on the ``notifications`` queue.

``notify`` applies the user's preference for the kind (e-mail, in-app, off; essential
kinds are always mailed), writes the row under a key naming its cause and recipient (so
a cause repeated, e.g. a retried job, notifies once) and stages the delivery job, which
is dispatched only when the cause commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.tenants.models import User
from aimi.tenants.notification_models import Notification, NotificationPreference

DELIVER_KIND = "deliver_notification"
DELIVER_BATCH_KIND = "deliver_notifications"
BATCH_SIZE = 1000  # SendGrid's most personalizations in one request
CHANNELS = {"email": "In the inbox and by e-mail", "in_app": "In the inbox only", "off": "Not at all"}
DEFAULT_CHANNEL = "email"


@dataclass(frozen=True)
class Kind:
    label: str
    essential: bool = False  # always mailed, never listed in the inbox, no preference


KINDS = {
    "account": Kind("Account e-mails (confirmation, password reset)", essential=True),
    "invitation": Kind("Invitations", essential=True),
    "retention_warning": Kind("Your unused account is about to be erased", essential=True),
    "assignment_published": Kind("A new assignment for your cohort"),
    "assignment_due": Kind("An assignment you have not finished is due within a day"),
    "assignment_overdue": Kind("An assignment you have not finished is overdue"),
    "review_finished": Kind("A mentor finished reviewing your answer"),
    "report_ready": Kind("Your interview report is ready"),
    "data_export": Kind("Your data export is ready"),
    "announcement": Kind("Announcements from your mentors and placement cell"),
}
OPTIONAL_KINDS = tuple(name for name, kind in KINDS.items() if not kind.essential)


class NotificationError(ValueError):
    """A preference that cannot be saved."""


class NotificationNotFound(LookupError):
    """No such notification in this user's inbox (another user's is not found either)."""


def preferences(session: Session, user: User) -> dict[str, str]:
    """The user's channel for each optional kind (the default where none is chosen)."""
    chosen = dict(session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                  .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, DEFAULT_CHANNEL) for kind in OPTIONAL_KINDS}


def set_preferences(session: Session, user: User, choices: dict[str, str]) -> None:
    """Save a channel per optional kind; an essential or unknown kind, or an unknown
    channel, is refused before anything is written."""
    for kind, channel in choices.items():
        if kind not in OPTIONAL_KINDS:
            raise NotificationError(f"{kind!r} cannot be chosen: it is not an optional notification.")
        if channel not in CHANNELS:
            raise NotificationError(f"{channel!r} is not a way to receive notifications; "
                                    f"choose {', '.join(CHANNELS)}.")
    rows = {row.kind: row for row in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind, channel in choices.items():
        if kind in rows:
            rows[kind].channel = channel
        else:
            session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))


def key_for(kind: str, key: str, *, user: User | None = None, email: str | None = None) -> str:
    """The unique key of a notification: its kind, its cause and its recipient."""
    return f"{kind}:{key}:{user.id if user else email}"[:191]


def notify(session: Session, *, kind: str, key: str, title: str, body: str, user: User | None = None,
           email: str | None = None, link: str = "", base_url: str = "",
           html: str | None = None, batch: list[Notification] | None = None) -> Notification | None:
    """Stage one notification (and its e-mail's delivery job) in ``session``; the caller
    commits with its cause. ``link`` is a path in the college's portal; ``base_url``, when
    known, makes the mail's link absolute. Returns None when the user turned the kind off,
    the existing row when ``key`` was notified already. A fan-out passes ``batch``: a new
    row to mail is added to it instead, for ``deliver_in_batches``."""
    essential = KINDS[kind].essential
    channel = "email" if essential or user is None else preferences(session, user)[kind]
    if channel == "off":
        return None
    full_key = key_for(kind, key, user=user, email=email)
    existing = session.scalar(select(Notification).where(Notification.key == full_key))
    if existing is not None:
        return existing
    if link and base_url:
        body = f"{body}\n\n{base_url.rstrip('/')}{link}\n"
    row = Notification(key=full_key, user_id=user.id if user else None, email=email or user.email,
                       kind=kind, title=title, body=body, html=html, link=link, essential=essential,
                       in_app=not essential, email_status="queued" if channel == "email" else "none")
    session.add(row)
    session.flush()
    if channel == "email" and batch is not None:
        batch.append(row)
    elif channel == "email":
        job, _created = jobs.stage(session, DELIVER_KIND, {"notification_id": row.id},
                                   idempotency_key=f"{DELIVER_KIND}:{row.id}")
        jobs.dispatch_after_commit(session, current_tenant(), job)
    return row


def deliver_in_batches(session: Session, rows: list[Notification]) -> int:
    """Stage one delivery job per ``BATCH_SIZE`` mails of a fan-out (a provider that sends
    batches makes one request of each); returns how many jobs."""
    staged = 0
    for start in range(0, len(rows), BATCH_SIZE):
        ids = [row.id for row in rows[start:start + BATCH_SIZE]]
        job, _created = jobs.stage(session, DELIVER_BATCH_KIND, {"notification_ids": ids},
                                   idempotency_key=f"{DELIVER_BATCH_KIND}:{ids[0]}")
        jobs.dispatch_after_commit(session, current_tenant(), job)
        staged += 1
    return staged


def inbox(user: User):
    """The user's inbox, newest first (a query, for the paginated list)."""
    return (select(Notification).where(Notification.user_id == user.id, Notification.in_app.is_(True))
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.in_app.is_(True), Notification.read_at.is_(None))) or 0


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user.id or not row.in_app:
        raise NotificationNotFound(notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
    return row


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.in_app.is_(True),
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
