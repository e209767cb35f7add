"""Count and slice a query for the paged lists (portal, console and API alike); the web
layer decides which page was asked for and draws it."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, scoped_session

AnySession = Session | scoped_session[Session]


def count(session: AnySession, stmt: Select) -> int:
    """How many rows ``stmt`` has (its ordering dropped: it does not change the count)."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def rows(session: AnySession, stmt: Select, offset: int, limit: int, *, scalars: bool = True) -> list:
    """``limit`` rows of ``stmt`` from ``offset``: entities, or whole rows for a
    multi-column query (``scalars=False``)."""
    paged = stmt.limit(limit).offset(offset)
    return list(session.scalars(paged) if scalars else session.execute(paged))
