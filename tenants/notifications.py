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

from aimi.platform import bulk
from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.tenants.models import Job, User
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
    roles: tuple[str, ...] = ()  # who is ever sent it (and chooses how); empty: everyone


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
    "digest_mentor": Kind("Weekly digest: answers waiting for your review, your cohorts' progress",
                          roles=("mentor",)),
    "digest_admin": Kind("Weekly digest: how your college used aimi", roles=("admin",)),
}
OPTIONAL_KINDS = tuple(name for name, kind in KINDS.items() if not kind.essential)


def kinds_for(user: User) -> tuple[str, ...]:
    """The optional kinds ``user`` may be sent, so may choose how to receive."""
    return tuple(name for name in OPTIONAL_KINDS
                 if not KINDS[name].roles or set(KINDS[name].roles) & set(user.role_names))


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
    """Save a channel per optional kind; an essential or unknown kind (or one the user's
    roles are never sent), or an unknown channel, is refused before anything is written."""
    for kind, channel in choices.items():
        if kind not in kinds_for(user):
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


def _channel(session: Session, kind: str, user: User | None) -> str:
    return "email" if KINDS[kind].essential or user is None else preferences(session, user)[kind]


def _values(*, kind: str, full_key: str, user: User | None, email: str | None, title: str, body: str,
            link: str, base_url: str, channel: str, html: str | None = None) -> dict:
    """The columns of one notification row; ``base_url``, when known, makes the link in
    the text absolute."""
    if link and base_url:
        body = f"{body}\n\n{base_url.rstrip('/')}{link}\n"
    essential = KINDS[kind].essential
    return {"key": full_key, "user_id": user.id if user else None, "email": email or user.email,
            "kind": kind, "title": title[:255], "body": body, "html": html, "link": link,
            "essential": essential, "in_app": not essential, "created_at": utcnow(), "read_at": None,
            "email_status": "queued" if channel == "email" else "none", "email_error": "",
            "provider_message_id": "", "sent_at": None}


def notify(session: Session, *, kind: str, key: str, title: str, body: str, user: User | None = None,
           email: str | None = None, link: str = "", base_url: str = "",
           html: str | None = None) -> Notification | None:
    """Stage one notification (and its e-mail's delivery job) in ``session``; the caller
    commits with its cause. ``link`` is a path in the college's portal; ``base_url``, when
    known, makes the mail's link absolute. Returns None when the user turned the kind off,
    the existing row when ``key`` was notified already."""
    channel = _channel(session, kind, user)
    if channel == "off":
        return None
    full_key = key_for(kind, key, user=user, email=email)
    existing = session.scalar(select(Notification).where(Notification.key == full_key))
    if existing is not None:
        return existing
    row = Notification(**_values(kind=kind, full_key=full_key, user=user, email=email, title=title, body=body,
                                 link=link, base_url=base_url, channel=channel, html=html))
    session.add(row)
    session.flush()
    if channel == "email":
        job, _created = jobs.stage(session, DELIVER_KIND, {"notification_id": row.id},
                                   idempotency_key=f"{DELIVER_KIND}:{row.id}")
        jobs.dispatch_after_commit(session, current_tenant(), job)
    return row


@dataclass(frozen=True)
class Note:
    """What one recipient of a fan-out is told."""

    user: User
    title: str
    body: str


class NotifiedMeanwhile(RuntimeError):
    """Another run (a second scheduler, a job racing this one) notified some of the same
    people of the same cause first: this run must roll back and leave it to that one."""


def notify_many(session: Session, *, kind: str, key: str, notes: list[Note], link: str = "",
                base_url: str = "") -> int:
    """Stage a fan-out's notifications of one kind and cause, one per note, in bulk: the
    recipients' preferences in one query per thousand, the rows in multi-row INSERTs that
    skip a key notified before (a re-run tells nobody twice), and one delivery job per
    ``BATCH_SIZE`` mails. Returns how many were notified now; raises NotifiedMeanwhile
    when a concurrent run wrote some of these rows (the caller rolls back)."""
    chosen = _channels(session, kind, [note.user for note in notes])
    wanted = {key_for(kind, key, user=note.user): note for note in notes if chosen[note.user.id] != "off"}
    already: set[str] = set()
    for part in _chunks(list(wanted)):
        already.update(session.scalars(select(Notification.key).where(Notification.key.in_(part))))
    rows = [_values(kind=kind, full_key=full_key, user=note.user, email=None, title=note.title,
                    body=note.body, link=link, base_url=base_url, channel=chosen[note.user.id])
            for full_key, note in wanted.items() if full_key not in already]
    if bulk.insert_new(session, Notification.__table__, rows) != len(rows):
        raise NotifiedMeanwhile(f"{kind}:{key} was notified by another run at the same time")
    mailed = [row["key"] for row in rows if row["email_status"] == "queued"]
    ids: list[int] = []
    for part in _chunks(mailed):
        ids += session.scalars(select(Notification.id).where(Notification.key.in_(part)))
    deliver_in_batches(session, sorted(ids))
    return len(rows)


def _channels(session: Session, kind: str, users: list[User]) -> dict[int, str]:
    """Each user's channel for ``kind`` (the default where none is chosen)."""
    found: dict[int, str] = {}
    for part in _chunks([user.id for user in users]):
        found.update(session.execute(select(NotificationPreference.user_id, NotificationPreference.channel)
                                     .where(NotificationPreference.kind == kind,
                                            NotificationPreference.user_id.in_(part))).all())
    return {user.id: found.get(user.id, DEFAULT_CHANNEL) for user in users}


def _chunks(values: list, size: int = BATCH_SIZE) -> list[list]:
    return [values[start:start + size] for start in range(0, len(values), size)]


def deliver_in_batches(session: Session, ids: list[int]) -> None:
    """Stage one delivery job per ``BATCH_SIZE`` mails of a fan-out (a provider that sends
    batches makes one request of each)."""
    for part in _chunks(ids):
        job, _created = jobs.stage(session, DELIVER_BATCH_KIND, {"notification_ids": part},
                                   idempotency_key=f"{DELIVER_BATCH_KIND}:{part[0]}")
        jobs.dispatch_after_commit(session, current_tenant(), job)


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


def _mailed_by(job: Job) -> list[int]:
    """The notifications a delivery job mails (none for any other job)."""
    if job.kind == DELIVER_KIND:
        return [job.payload["notification_id"]]
    return list(job.payload["notification_ids"]) if job.kind == DELIVER_BATCH_KIND else []


def uncertain_counts(session: Session, shown: list[Job]) -> dict[str, int]:
    """For each failed delivery job among ``shown``: how many of its mails are uncertain
    (a worker stopped while handing them to the provider)."""
    owner = {nid: job.id for job in shown if job.status == "failed" for nid in _mailed_by(job)}
    counts: dict[str, int] = {}
    for part in _chunks(list(owner)):
        for nid in session.scalars(select(Notification.id).where(Notification.id.in_(part),
                                                                  Notification.email_status == "uncertain")):
            counts[owner[nid]] = counts.get(owner[nid], 0) + 1
    return counts


def resend_uncertain(session: Session, job: Job) -> list[Notification]:
    """Queue the job's uncertain mails to be sent again (the admin accepted that their
    recipients may get them twice); returns them. Only uncertain mails change: a sent or
    suppressed one is never sent again (a refused one is tried again, as by a re-run);
    a job with none is refused."""
    rows = list(session.scalars(select(Notification).where(Notification.id.in_(_mailed_by(job)),
                                                           Notification.email_status == "uncertain")))
    if not rows:
        raise NotificationError("This job has no e-mail in doubt: only an e-mail a stopped worker may or may "
                                "not have sent can be sent again.")
    for row in rows:
        row.email_status, row.email_error = "queued", ""
    return rows
