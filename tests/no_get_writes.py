"""Checked around every test: no GET (or HEAD) request commits a tenant session.

Pages that are polled or prefetched must not write (issue 12: the interview's progress and
status pages used to close the interview; the analytics downloads and Flask-Security's e-mail
confirmation link are POST forms now). There is no allow-list. A commit made while such a
request is handled is recorded, and the test that made the request fails, naming the page.
"""

from __future__ import annotations

import flask
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from aimi.tenants.activity import ACTIVITY_SESSION

READ_ONLY = frozenset({"GET", "HEAD"})
# One GET write is allowed: the hourly "last active" stamp (aimi.tenants.activity), written in a
# session of its own on any signed-in request, GET included, because reading one's reports
# is using the account (retention). It changes nothing a page shows.
_seen: list[str] = []


@event.listens_for(Session, "after_commit")
def _record(session: Session) -> None:
    if session.info.get("realm") == "tenant" and not session.info.get(ACTIVITY_SESSION) \
            and flask.has_request_context() \
            and flask.request.method in READ_ONLY:
        _seen.append(f"{flask.request.method} {flask.request.path} (endpoint {flask.request.endpoint})")


@pytest.fixture(autouse=True)
def _no_commit_on_get():
    _seen.clear()
    yield
    committed, _seen[:] = list(_seen), []
    assert not committed, f"GET requests committed a tenant session: {committed}"
