"""One page of a query for the server-rendered lists (portal and console alike)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import Select

from aimi.platform import paging
from aimi.platform.paging import AnySession

PAGE_SIZE = 25


@dataclass
class Page:
    items: list
    number: int
    pages: int
    total: int

    def url(self, number: int) -> str:
        """The current page's address with another page number, filters kept."""
        args = {**request.args.to_dict(), **(request.view_args or {}), "page": number}
        return url_for(request.endpoint or "", **args)


def paginate(session: AnySession, stmt: Select, *, scalars: bool = True, page_size: int = PAGE_SIZE) -> Page:
    """One page (``?page=``) of ``stmt``; out-of-range numbers land on the nearest page."""
    total = paging.count(session, stmt)
    pages = max(1, math.ceil(total / page_size))
    number = min(max(1, request.args.get("page", 1, type=int)), pages)
    items = paging.rows(session, stmt, (number - 1) * page_size, page_size, scalars=scalars)
    return Page(items, number, pages, total)
