"""Who sees which sample-answer evaluation (the API's /evaluations): admins see every
one, mentors their own. Submitting and scoring them is ``aimi.plugins.evaluations``."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aimi.tenants.models import Evaluation, User


def visible_to(user: User) -> Select:
    """Every evaluation for an admin; a mentor's own for a mentor. Newest first."""
    stmt = select(Evaluation).order_by(Evaluation.created_at.desc(), Evaluation.id)
    if "admin" not in user.role_names:
        stmt = stmt.where(Evaluation.created_by == user.id)
    return stmt


def visible_one(session: Session, user: User, evaluation_id: str) -> Evaluation | None:
    """The evaluation if ``user`` may see it, else None (as if it did not exist)."""
    return session.scalar(visible_to(user).where(Evaluation.id == evaluation_id))
