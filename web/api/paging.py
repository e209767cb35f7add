"""One page of a query for flask-smorest's ``@blp.paginate()`` (which fills X-Pagination)."""

from __future__ import annotations

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def page_of(session: Session, stmt: Select, params: PaginationParameters) -> list:
    """The requested page of ``stmt``; the total goes into ``params`` for the header."""
    params.item_count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(session.scalars(stmt.limit(params.page_size).offset(params.first_item)))
