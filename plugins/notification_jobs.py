"""The ``deliver_notification`` job (``notifications`` queue): one notification's e-mail,
sent through the ``aimi_send_message`` hook by the provider the college has enabled.

A provider's transient failure (timeout, 429, 5xx) is retried with the job system's
back-off; a refusal (a bad address, a 4xx), or a transient failure on the last attempt,
marks the notification failed with the provider's message and fails the job, which the
college's admins see on /manage/jobs (a re-run there tries again).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from markupsafe import escape
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import NotHandledError, get_manager
from aimi.plugins.types import DeliveryError, Message
from aimi.tenants import suppressions
from aimi.tenants.models import Job
from aimi.tenants.notification_models import Notification
from aimi.tenants.notifications import DELIVER_KIND
from aimi.tenants.unsubscribe import make_token


class DeliveryFailed(RuntimeError):
    """The provider refused the message for good; its message is the job's error."""


@jobs.register(DELIVER_KIND, queue="notifications")
def deliver(session: Session, job: Job) -> dict[str, Any]:
    row = session.get(Notification, job.payload["notification_id"])
    if row is None:
        raise LookupError(f"notification {job.payload['notification_id']} does not exist")
    if row.email_status == "sent":  # a re-run after the mail went out: never twice
        return {"notification_id": row.id, "message_id": row.provider_message_id}
    suppression = None if row.essential else suppressions.suppressed(session, row.email)
    if suppression is not None:  # the inbox keeps the notice; the mail would bounce or annoy
        row.email_status, row.email_error = "suppressed", suppressions.label(suppression.reason)
        return {"notification_id": row.id, "suppressed": suppression.reason}
    message = _message(row)
    try:
        message_id = get_manager().send_message(message, tenant=current_tenant().slug,
                                                settings=plugin_settings.load(session))
    except DeliveryError as exc:
        if exc.retry and job.attempts < job.max_attempts:
            raise jobs.TransientJobError(str(exc)) from exc
        _refused(session, row, str(exc))
    except NotHandledError as exc:
        _refused(session, row, f"No e-mail provider is enabled: {exc}")
    row.email_status, row.provider_message_id, row.email_error = "sent", str(message_id)[:255], ""
    row.sent_at = utcnow()
    return {"notification_id": row.id, "message_id": row.provider_message_id}


def _message(row: Notification) -> Message:
    """The notification's e-mail. A non-essential one carries one-click unsubscribe from its
    kind (RFC 8058 headers and a link) and a link to the notification settings."""
    if row.essential or row.user_id is None:
        return Message(to=row.email, subject=row.title, body=row.body, html=row.html)
    settings, tenant = current_app.extensions["aimi_settings"], current_tenant()
    portal = f"{settings.public_url}/t/{tenant.slug}"
    stop = (f"{portal}/notifications/unsubscribe/"
            f"{make_token(settings.secret_key, tenant.id, row.user_id, row.kind)}")
    choose = f"{portal}/notifications/settings"
    body = (f"{row.body}\n\n-- \nStop e-mails like this one: {stop}\n"
            f"Choose how {tenant.name} notifies you: {choose}\n")
    html = row.html and (f'{row.html}<p><a href="{escape(stop)}">Stop e-mails like this one</a> · '
                         f'<a href="{escape(choose)}">Notification settings</a></p>')
    return Message(to=row.email, subject=row.title, body=body, html=html,
                   headers=(("List-Unsubscribe", f"<{stop}>"),
                            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")))


def _refused(session: Session, row: Notification, reason: str) -> None:
    """Record the refusal on the notification (committed: the job's failure rolls back
    its other writes), then fail the job with the same words."""
    row.email_status, row.email_error = "failed", reason[:2000]
    session.commit()
    raise DeliveryFailed(reason)
