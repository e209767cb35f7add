"""The college's suppression list: addresses the mail provider reported as bounced,
reporting spam or unsubscribed. Non-essential mail to them is not sent (the notice stays
in the inbox); admins see each address and why.

Entries come from the provider's event webhook, already verified, and from SMTP servers
refusing an address for good (5xx). Events of another college's messages (``aimi_tenant``
custom argument) are ignored, so one provider account shared by several colleges never
suppresses across them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from email.utils import parseaddr
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aimi.tenants.notification_models import EmailSuppression

REASONS = {"bounce": "The address bounced", "spamreport": "Reported our mail as spam",
           "unsubscribe": "Unsubscribed at the provider", "group_unsubscribe": "Unsubscribed at the provider"}


def _reason(event: Mapping[str, Any]) -> str | None:
    kind = event.get("event")
    if kind == "bounce" and event.get("type") == "blocked":  # a temporary block, not the address
        return None
    return kind if kind in REASONS else None


def record_events(session: Session, events: Iterable[Mapping[str, Any]], tenant_slug: str) -> int:
    """Suppress the address of every bounce, spam report and unsubscribe of this college's
    messages (an address already listed keeps its first reason); returns how many were added."""
    added: dict[str, EmailSuppression] = {}
    for event in events:
        reason, address = _reason(event), str(event.get("email") or "").strip().lower()[:255]
        if reason is None or not address or event.get("aimi_tenant") != tenant_slug or address in added:
            continue
        row = add(session, address, reason, str(event.get("reason") or ""))
        if row is not None:
            added[address] = row
    return len(added)


def add(session: Session, address: str, reason: str, detail: str) -> EmailSuppression | None:
    """Suppress ``address`` (``Name <a@b>`` or bare) unless it is already; returns the new row."""
    address = parseaddr(address)[1].strip().lower()[:255]
    if not address or suppressed(session, address) is not None:
        return None
    row = EmailSuppression(email=address, reason=reason, detail=detail[:2000])
    session.add(row)
    return row


def suppressed(session: Session, address: str) -> EmailSuppression | None:
    return session.scalar(select(EmailSuppression).where(
        func.lower(EmailSuppression.email) == parseaddr(address)[1].strip().lower()))


def listing():
    """Every suppressed address, newest first (a query, for the paginated page)."""
    return select(EmailSuppression).order_by(EmailSuppression.created_at.desc(), EmailSuppression.id.desc())


def remove(session: Session, suppression_id: int) -> EmailSuppression | None:
    """Lift a suppression (the person fixed their mailbox); None when there is none."""
    row = session.get(EmailSuppression, suppression_id)
    if row is not None:
        session.delete(row)
    return row


def label(reason: str) -> str:
    return REASONS.get(reason, reason)
