"""The ``deliver_notification`` job (``notifications`` queue): one notification's e-mail,
sent through the ``aimi_send_message`` hook by the provider the college has enabled.

A provider's transient failure (timeout, 429, 5xx) is retried with the job system's
back-off; a refusal (a bad address, a 4xx), or a transient failure on the last attempt,
marks the notification failed with the provider's message and fails the job, which the
college's admins see on /manage/jobs (a re-run there tries again).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import NotHandledError, get_manager
from aimi.plugins.types import DeliveryError, Message
from aimi.tenants import branded_mail, notices, suppressions
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Assignment
from aimi.tenants.models import Job
from aimi.tenants.notification_models import Notification
from aimi.tenants.notifications import DELIVER_BATCH_KIND, DELIVER_KIND
from aimi.tenants.unsubscribe import make_token


class DeliveryFailed(RuntimeError):
    """The provider refused the message for good; its message is the job's error."""


SENDABLE = ("queued", "failed")  # a re-run (from the jobs page) tries a refused mail again
UNCERTAIN = ("A worker stopped while handing this e-mail to the provider, so it may or may not "
             "have been sent; it is not sent again on its own.")


@jobs.register(DELIVER_KIND, queue="notifications")
def deliver(session: Session, job: Job) -> dict[str, Any]:
    row = session.get(Notification, job.payload["notification_id"])
    if row is None:
        raise LookupError(f"notification {job.payload['notification_id']} does not exist")
    _deliver(session, job, [row])
    return {"notification_id": row.id, "status": row.email_status, "message_id": row.provider_message_id}


@jobs.register(DELIVER_BATCH_KIND, queue="notifications")
def deliver_batch(session: Session, job: Job) -> dict[str, Any]:
    """A fan-out's mails: in one provider request per batch where the provider sends
    batches (SendGrid), else one after another."""
    wanted = Notification.id.in_(job.payload["notification_ids"])
    rows = list(session.scalars(select(Notification).where(wanted).order_by(Notification.id)))
    _deliver(session, job, rows)
    return dict(Counter(row.email_status for row in rows))


def _deliver(session: Session, job: Job, rows: list[Notification]) -> None:
    """Send the rows that still need it. Each row says ``sending`` (committed) before the
    provider is called, so one left ``sending`` by a killed worker is marked uncertain,
    never sent twice; a sent row is never sent again."""
    todo = [row for row in rows if _needs_sending(session, row)]
    if todo:
        _send(session, job, todo)
    if any(row.email_status == "uncertain" for row in rows):
        session.commit()
        raise DeliveryFailed(UNCERTAIN)  # shown on the jobs page


def _send(session: Session, job: Job, todo: list[Notification]) -> None:
    messages = [_message(session, row) for row in todo]
    tenant, states = current_tenant().slug, plugin_settings.load(session)
    if len(todo) > 1:
        _mark(session, todo, "sending")
        try:
            ids = get_manager().send_messages(messages, tenant=tenant, settings=states)
        except DeliveryError as exc:
            _refused_or_retry(session, job, todo, str(exc), exc.retry)
        if ids is not None:
            for row, message_id in zip(todo, ids, strict=True):
                _sent(row, message_id)
            session.commit()
            return
        _mark(session, todo, "queued")
    refused = []
    for number, (row, message) in enumerate(zip(todo, messages, strict=True)):
        _mark(session, [row], "sending")
        try:
            _sent(row, get_manager().send_message(message, tenant=tenant, settings=states))
        except DeliveryError as exc:
            if exc.retry and job.attempts < job.max_attempts:
                _refused_or_retry(session, job, todo[number:], str(exc), retry=True)
            row.email_status, row.email_error = "failed", str(exc)[:2000]
            refused.append(f"{row.email}: {exc}")
            if exc.bounced:  # the server refused the address itself: no more mail to it
                suppressions.add(session, row.email, "bounce", str(exc))
        except NotHandledError as exc:
            _refused_or_retry(session, job, todo[number:], f"No e-mail provider is enabled: {exc}", False)
        session.commit()
    if refused:
        raise DeliveryFailed(refused[0] if len(refused) == 1 else
                             f"{len(refused)} of {len(todo)} e-mails refused: {'; '.join(refused[:5])}")


def _needs_sending(session: Session, row: Notification) -> bool:
    if row.email_status == "sending":  # a worker died with the provider call under way
        row.email_status, row.email_error = "uncertain", UNCERTAIN
        return False
    if row.email_status not in SENDABLE:
        return False
    suppression = None if row.essential else suppressions.suppressed(session, row.email)
    if suppression is not None:  # the inbox keeps the notice; the mail would bounce or annoy
        row.email_status, row.email_error = "suppressed", suppressions.label(suppression.reason)
        return False
    return True


def _mark(session: Session, rows: list[Notification], status: str) -> None:
    for row in rows:
        row.email_status = status
    session.commit()


def _sent(row: Notification, message_id: str) -> None:
    row.email_status, row.provider_message_id, row.email_error = "sent", str(message_id)[:255], ""
    row.sent_at = utcnow()


def _refused_or_retry(session: Session, job: Job, rows: list[Notification], reason: str, retry: bool) -> None:
    """A failure of the provider for these rows: queued again for the job's next attempt
    when it may pass, else failed with the provider's words (committed: the job's failure
    rolls back its other writes), and the job fails with the same words."""
    again = retry and job.attempts < job.max_attempts
    for row in rows:
        row.email_status, row.email_error = ("queued", "") if again else ("failed", reason[:2000])
    session.commit()
    if again:
        raise jobs.TransientJobError(reason)
    raise DeliveryFailed(reason)


@jobs.register(notices.PUBLISHED_KIND, queue="notifications")
def tell_cohort(session: Session, job: Job) -> dict[str, Any]:
    """Fan an assignment out to its cohort: a notification (and delivery job) each."""
    assignment = session.get(Assignment, job.payload["assignment_id"])
    if assignment is None:  # deleted before the job ran: nobody to tell
        return {"told": 0}
    told = notices.assignment_published(session, assignment, timezone=tenant_settings.load(session).timezone,
                                        base_url=job.payload.get("base_url", ""))
    return {"assignment_id": assignment.id, "told": told}


@jobs.register(notices.ANNOUNCE_KIND, queue="notifications")
def announce(session: Session, job: Job) -> dict[str, Any]:
    """Fan an announcement out to its cohorts."""
    return {"told": notices.announcement(session, job.payload)}


def _message(session: Session, row: Notification) -> Message:
    """The notification's e-mail, branded by its college. A non-essential one carries
    one-click unsubscribe from its kind (RFC 8058 headers and a link) and a link to the
    notification settings."""
    settings, tenant = current_app.extensions["aimi_settings"], current_tenant()
    portal = f"{settings.public_url}/t/{tenant.slug}"
    brand = branded_mail.branding(session, portal, settings.public_url)
    footer = branded_mail.Footer()
    headers: tuple[tuple[str, str], ...] = ()
    if not (row.essential or row.user_id is None):
        stop = (f"{portal}/notifications/unsubscribe/"
                f"{make_token(settings.secret_key, tenant.id, row.user_id, row.kind)}")
        footer = branded_mail.Footer(stop, f"{portal}/notifications/settings")
        headers = (("List-Unsubscribe", f"<{stop}>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    mail = branded_mail.render(brand, title=row.title, body=row.body, link=row.link, html=row.html,
                               footer=footer)
    return Message(to=row.email, subject=mail.subject, body=mail.text, html=mail.html, headers=headers)
