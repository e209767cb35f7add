"""Write entries to the tenant audit log (every change an admin makes)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aimi.tenants.models import AuditLog


def record(
    session: Session,
    action: str,
    *,
    actor=None,
    target_type: str = "",
    target_id: object = "",
    details: dict | None = None,
    ip: str | None = None,
) -> AuditLog:
    """Stage an audit entry in ``session``; it commits with the change it describes."""
    entry = AuditLog(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None) or "system",
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
        ip=ip,
    )
    session.add(entry)
    return entry
