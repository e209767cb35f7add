"""What many test files share: the test password, forms posted as a browser would, fresh
names, signing in, cohorts and users. Import from here (conftest holds fixtures only)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.tenancy import TenantRef
from aimi.tenants.models import Cohort, User

PASSWORD = "correct-horse-42"


def tag() -> str:
    """A short random marker that keeps names unique in the shared tenants."""
    return uuid.uuid4().hex[:8]


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page, as a browser would send it."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no csrf_token field on the page"
    return match.group(1)


def post_form(client, page_url: str, action_url: str, data: dict, **kwargs):
    """Submit a form as a browser would: with the CSRF token of the page it sits on."""
    page = client.get(page_url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(action_url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data},
                       **kwargs)


def confirm_account(client, link: str):
    """Open a mailed confirmation link and press its button, as a person does (opening the
    link alone confirms nothing: mail scanners open links too); the button posts where the
    page's form says."""
    page = client.get(link)
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    action = re.search(r'<form action="([^"]+)" method="post" name="confirm_email_form"', html)
    assert action, "no confirmation form on the page"
    return client.post(action.group(1), data={"csrf_token": csrf_token(html)})


def sign_in(world, slug: str, email: str):
    """A test client signed in as ``email`` through the real login endpoint."""
    client = world.client()
    resp = client.post(f"/t/{slug}/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return client


def make_cohort(world, slug: str, mentors=(), candidates=()) -> int:
    """A cohort with the given members (e-mail addresses)."""
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()

        def people(emails) -> list[User]:
            return list(session.scalars(select(User).where(User.email.in_(list(emails)))))

        cohort = Cohort(name=f"Cohort {tag()}", mentors=people(mentors), candidates=people(candidates))
        session.add(cohort)
        session.commit()
        return cohort.id


def find_user(ref: TenantRef, address: str) -> User | None:
    """The user with this address (roles loaded, detached), or None."""
    with tenant_scope(ref):
        user = tenant_session.scalar(select(User).where(User.email == address))
        if user is not None:
            user.role_names  # noqa: B018 - load the roles before leaving the tenant
            tenant_session.expunge(user)
        return user
