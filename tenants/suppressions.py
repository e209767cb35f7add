"""The college's suppression list: addresses the mail provider reported as bounced,
reporting spam or unsubscribed. Non-essential mail to them is not sent (the notice stays
in the inbox); admins see each address and why.

Events come from the provider's event webhook, already verified; events of another
college's messages (``aimi_tenant`` custom argument) are ignored, so one provider account
shared by several colleges never suppresses across them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
        if suppressed(session, address) is None:
            added[address] = EmailSuppression(email=address, reason=reason,
                                              detail=str(event.get("reason") or "")[:2000])
            session.add(added[address])
    return len(added)


def suppressed(session: Session, address: str) -> EmailSuppression | None:
    return session.scalar(select(EmailSuppression).where(
        func.lower(EmailSuppression.email) == address.strip().lower()))


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
