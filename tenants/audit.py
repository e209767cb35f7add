"""The tenant audit log (every change an admin makes): write entries, read them back."""

from __future__ import annotations

from sqlalchemy import Select, select
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


def actions(session: Session) -> list[str]:
    """The actions the log holds, alphabetically (the audit page's filter)."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def log(action: str = "") -> Select:
    """Entries newest first, only ``action``'s when given."""
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return stmt


def recent_about(session: Session, target_type: str, target_id: object, limit: int = 10) -> list[AuditLog]:
    """The latest ``limit`` entries about one target (a user's page shows them)."""
    stmt = log().where(AuditLog.target_type == target_type, AuditLog.target_id == str(target_id))
    return list(session.scalars(stmt.limit(limit)))
