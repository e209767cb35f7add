"""One page of a query for flask-smorest's ``@blp.paginate()`` (which fills X-Pagination)."""

from __future__ import annotations

from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select
from sqlalchemy.orm import Session

from aimi.platform import paging

# Beyond this the OFFSET overflows the database's integers (a 500); no list is that long.
MAX_PAGE = 1_000_000


def page_of(session: Session, stmt: Select, params: PaginationParameters) -> list:
    """The requested page of ``stmt``; the total goes into ``params`` for the header."""
    if params.page > MAX_PAGE:
        abort(422, message=f"page must be at most {MAX_PAGE}.",
              errors={"page": [f"Must be less than or equal to {MAX_PAGE}."]})
    params.item_count = paging.count(session, stmt)
    return paging.rows(session, stmt, params.first_item, params.page_size)
