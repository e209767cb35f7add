"""The super-admin console at /admin, driven through HTTP like a platform operator would."""

from __future__ import annotations

import uuid

import pytest
from helpers import PASSWORD, post_form
from sqlalchemy import select

from aimi.platform.db import platform_session
from aimi.platform.models import PlatformAuditLog, SuperAdmin, Tenant
from aimi.platform.tenancy import TenantRef
from aimi.tenants import registry
from aimi.web.cli import ensure_superadmin

ROOT_EMAIL = "root@platform.example.com"


@pytest.fixture
def console(world):
    """A test client signed in to the console as a super-admin (JSON login)."""
    with world.app.app_context():
        ensure_superadmin(ROOT_EMAIL, PASSWORD, "Platform Root")
    client = world.client()
    resp = client.post("/admin/login", json={"email": ROOT_EMAIL, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return client


def unique_slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def tenant_row(slug: str) -> Tenant | None:
    try:
        return platform_session.scalar(select(Tenant).where(Tenant.slug == slug))
    finally:
        platform_session.remove()


def test_tenant_list_shows_searches_and_filters(world, console):
    page = console.get("/admin/").get_data(as_text=True)
    assert "/t/alpha/" in page and "Alpha College" in page and "Beta College" in page
    assert "UTC" in page  # created column goes through the localtime filter

    found = console.get("/admin/?q=ALPH").get_data(as_text=True)
    assert "Alpha College" in found and "Beta College" not in found
    by_name = console.get("/admin/?q=beta+coll").get_data(as_text=True)
    assert "Beta College" in by_name and "Alpha College" not in by_name

    suspended_only = console.get("/admin/?status=suspended").get_data(as_text=True)
    assert "Alpha College" not in suspended_only

    nothing = console.get(f"/admin/?q=no-such-{uuid.uuid4().hex}").get_data(as_text=True)
    assert "No tenants match" in nothing


def test_tenant_list_paginates(world, console):
    prefix = unique_slug("pg")
    with world.app.app_context():
        for i in range(26):
            platform_session.add(Tenant(slug=f"{prefix}-{i:02d}", name=f"Paged {i}",
                                        status="suspended",
                                        schema_name=f"unused_{prefix.replace('-', '_')}_{i:02d}"))
        platform_session.commit()
    try:
        first = console.get(f"/admin/?q={prefix}").get_data(as_text=True)
        assert "26 tenants" in first and f"{prefix}-00" in first and f"{prefix}-25" not in first
        assert f"q={prefix}&amp;page=2" in first  # the next-page link keeps the search
        second = console.get(f"/admin/?q={prefix}&page=2").get_data(as_text=True)
        assert f"{prefix}-25" in second and f"{prefix}-00" not in second
        clamped = console.get(f"/admin/?q={prefix}&page=99").get_data(as_text=True)
        assert f"{prefix}-25" in clamped
    finally:
        for row in platform_session.scalars(select(Tenant).where(Tenant.slug.like(f"{prefix}%"))):
            platform_session.delete(row)
        platform_session.commit()
        platform_session.remove()


def test_create_tenant_through_the_form(world, console):
    slug = unique_slug("new")
    admin_email = f"head@{slug}.example.com"
    resp = post_form(console, "/admin/tenants/new", "/admin/tenants/new", {
        "slug": slug, "name": "Newly Made College", "admin_email": admin_email,
        "admin_password": PASSWORD, "admin_name": "Head Admin",
    })
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/admin/tenants/{slug}")
    detail = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "is ready" in detail and "Newly Made College" in detail and "active" in detail

    assert tenant_row(slug).status == "active"
    login = world.client().post(f"/t/{slug}/login",
                                json={"email": admin_email, "password": PASSWORD})
    assert login.status_code == 200, login.get_data(as_text=True)

    audit = console.get("/admin/audit").get_data(as_text=True)
    assert "tenant.created" in audit and ROOT_EMAIL in audit and slug in audit


@pytest.mark.parametrize(("slug", "message"), [
    ("Bad Slug!", "may only use lowercase letters"),
    ("admin", "is reserved"),
    ("alpha", "already exists"),
    ("ab", "3 to 40 characters"),
])
def test_create_tenant_refuses_bad_slugs_and_creates_nothing(world, console, slug, message):
    before = {t.slug for t in _all_tenants()}
    resp = post_form(console, "/admin/tenants/new", "/admin/tenants/new", {
        "slug": slug, "name": "Should Not Exist", "admin_email": "x@nowhere.example.com",
        "admin_password": PASSWORD,
    })
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert message in page and 'value="Should Not Exist"' in page
    assert "Should Not Exist" not in console.get("/admin/").get_data(as_text=True)
    assert {t.slug for t in _all_tenants()} == before
    if world.backend == "mysql" and slug != "alpha":
        name = f"{world.database.platform_schema}_t_{slug.replace('-', '_')}"
        ghost = TenantRef(0, slug, "", name, "default", "provisioning")
        assert not world.database.schema_exists(ghost)


def test_failed_provisioning_is_rolled_back_and_explained(world, console):
    slug = unique_slug("ghost")
    ghost = TenantRef(0, slug, "", world.database.schema_name_for(slug), "default", "provisioning")
    world.database.create_schema(ghost)  # a leftover schema blocks provisioning half-way
    try:
        resp = post_form(console, "/admin/tenants/new", "/admin/tenants/new", {
            "slug": slug, "name": "Ghost College", "admin_email": f"a@{slug}.example.com",
            "admin_password": PASSWORD,
        })
        assert resp.status_code == 422
        page = resp.get_data(as_text=True)
        assert "already exists without a tenant" in page and ROOT_EMAIL in page
        assert tenant_row(slug) is None
        assert world.database.schema_exists(ghost)  # someone else's schema is left alone
    finally:
        world.database.drop_schema(ghost)


def test_create_tenant_form_errors_are_shown(world, console):
    resp = post_form(console, "/admin/tenants/new", "/admin/tenants/new", {
        "slug": unique_slug("short"), "name": "", "admin_email": "not-an-email",
        "admin_password": "short",
    })
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "This field is required" in page and "shorter than 10 characters" in page


@pytest.mark.parametrize("weak", ["12345678901", "password1234", "aaaaaaaaaaaa"])
def test_the_first_admins_password_follows_the_portals_policy(world, console, weak):
    """It was only checked for 8 characters (issue 11)."""
    slug = unique_slug("weak")
    resp = post_form(console, "/admin/tenants/new", "/admin/tenants/new", {
        "slug": slug, "name": "Weak College", "admin_email": f"admin@{slug}.example.com",
        "admin_password": weak})
    assert resp.status_code == 422 and tenant_row(slug) is None
    assert "three or four uncommon words" in resp.get_data(as_text=True)


def _all_tenants() -> list[Tenant]:
    try:
        return list(platform_session.scalars(select(Tenant)))
    finally:
        platform_session.remove()


def test_suspend_blocks_the_portal_and_api_until_resumed(world, console):
    slug = unique_slug("sus")
    world.new_tenant(slug, "Suspendable College")
    token = world.token(slug, "admin")
    detail_url = f"/admin/tenants/{slug}"
    status_url = f"{detail_url}/status"

    resp = post_form(console, detail_url, status_url, {"status": "suspended"})
    assert resp.status_code == 302
    assert "is suspended" in console.get(detail_url).get_data(as_text=True)

    portal = world.client().get(f"/t/{slug}/")
    assert portal.status_code == 403
    assert "suspended" in portal.get_data(as_text=True)
    api = world.client().get(f"/t/{slug}/api/v1/users", headers={"Authentication-Token": token})
    assert api.status_code == 403
    assert api.is_json and "suspended" in api.get_json()["message"]
    login = world.client().post(f"/t/{slug}/login",
                                json={"email": world.email(slug, "admin"), "password": PASSWORD})
    assert login.status_code == 403

    resp = post_form(console, detail_url, status_url, {"status": "active"})
    assert resp.status_code == 302
    assert world.client().get(f"/t/{slug}/").status_code == 200

    actions = _audit_actions(slug)
    assert actions[:2] == ["tenant.resumed", "tenant.suspended"]
    page = console.get("/admin/audit").get_data(as_text=True)
    assert page.index("tenant.resumed") < page.index("tenant.suspended")  # newest first


def _audit_actions(slug: str) -> list[str]:
    try:
        rows = platform_session.scalars(
            select(PlatformAuditLog).where(PlatformAuditLog.tenant_slug == slug)
            .order_by(PlatformAuditLog.id.desc()))
        return [r.action for r in rows]
    finally:
        platform_session.remove()


def test_status_change_needs_csrf_and_a_valid_status(world, console):
    slug = unique_slug("csrf")
    world.new_tenant(slug)
    no_token = console.post(f"/admin/tenants/{slug}/status", data={"status": "suspended"})
    assert no_token.status_code == 400
    bogus = post_form(console, f"/admin/tenants/{slug}", f"/admin/tenants/{slug}/status",
                      {"status": "deleted"})
    assert bogus.status_code == 302
    assert "Status must be active or suspended." in console.get(f"/admin/tenants/{slug}").get_data(
        as_text=True)
    assert tenant_row(slug).status == "active"
    assert console.get("/admin/tenants/no-such-tenant").status_code == 404


def test_add_custom_domain(world, console):
    slug = unique_slug("dom")
    world.new_tenant(slug)
    domain = f"{slug}.college.example.org"
    url = f"/admin/tenants/{slug}"
    resp = post_form(console, url, f"{url}/domains", {"domain": domain.upper()})
    assert resp.status_code == 302
    assert domain in console.get(url).get_data(as_text=True)
    assert registry.by_domain(domain).slug == slug
    # The custom domain reaches the tenant's portal.
    assert world.client().get("/", base_url=f"http://{domain}").status_code == 200

    again = post_form(console, url, f"{url}/domains", {"domain": domain})
    assert again.status_code == 422 and "already in use" in again.get_data(as_text=True)
    bad = post_form(console, url, f"{url}/domains", {"domain": "not a domain"})
    assert bad.status_code == 422 and "not a valid domain name" in bad.get_data(as_text=True)


def test_anonymous_users_are_sent_to_login(world):
    client = world.client()
    for path in ("/admin/", "/admin/tenants/new", "/admin/tenants/alpha", "/admin/audit"):
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert "/admin/login" in resp.headers["Location"]
    resp = client.post("/admin/tenants/alpha/status", data={"status": "suspended"})
    assert resp.status_code in (302, 401)
    assert tenant_row("alpha").status == "active"
    assert client.get("/admin/", headers={"Accept": "application/json"}).status_code == 401


def test_tenant_admin_credentials_do_not_open_the_console(world):
    client = world.client()
    resp = client.post("/admin/login", json={"email": world.email("alpha", "admin"),
                                             "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_tenant_session_cookie_does_not_open_the_console(world):
    client = world.login("alpha", "admin")
    assert client.get("/t/alpha/dashboard").status_code == 200
    assert client.get("/admin/").status_code == 302
    # Even replayed under the console's cookie name, the tenant cookie is not accepted.
    cookie = client.get_cookie("aimi_alpha", path="/t/alpha/")
    assert cookie is not None
    client.set_cookie("aimi_console", cookie.value, path="/admin/")
    resp = client.get("/admin/")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


def test_console_session_does_not_open_a_tenant_portal(world, console):
    assert console.get("/admin/").status_code == 200
    resp = console.get("/t/alpha/dashboard")
    assert resp.status_code == 302 and "/t/alpha/login" in resp.headers["Location"]


def test_platform_account_without_the_superadmin_role_is_refused(world):
    address = f"viewer-{uuid.uuid4().hex[:6]}@platform.example.com"
    with world.app.app_context():
        ensure_superadmin(address, PASSWORD, "No Role")
        account = platform_session.scalar(select(SuperAdmin).where(SuperAdmin.email == address))
        account.roles = []
        platform_session.commit()
        platform_session.remove()
    client = world.client()
    assert client.post("/admin/login", json={"email": address, "password": PASSWORD}).status_code == 200
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/tenants/alpha").status_code == 403


def test_console_logins_are_rate_limited_apart_from_tenants(world):
    ip = f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    client = world.client()
    client.environ_base["REMOTE_ADDR"] = ip
    for _ in range(world.settings.login_rate_limit):
        resp = client.post("/admin/login", json={"email": ROOT_EMAIL, "password": "wrong-password"})
        assert resp.status_code == 400
    blocked = client.post("/admin/login", json={"email": ROOT_EMAIL, "password": PASSWORD})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    tenant_login = client.post("/t/alpha/login", json={"email": world.email("alpha", "mentor"),
                                                       "password": PASSWORD})
    assert tenant_login.status_code == 200
