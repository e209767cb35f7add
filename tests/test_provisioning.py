"""Creating tenants is all-or-nothing; bad slugs and duplicates change nothing."""

from __future__ import annotations

import json
import uuid
import zipfile

import pytest
from helpers import PASSWORD
from sqlalchemy import select

from aimi.platform.db import platform_session, tenant_scope, tenant_session
from aimi.platform.models import Tenant
from aimi.platform.tenancy import TenantRef
from aimi.tenants import provisioning, settings
from aimi.tenants.models import Role, User


def _slug() -> str:
    return f"prov-{uuid.uuid4().hex[:8]}"


def _tenant_row(slug: str):
    try:
        return platform_session.scalar(select(Tenant).where(Tenant.slug == slug))
    finally:
        platform_session.remove()


def _spec(world, slug: str) -> provisioning.NewTenant:
    return provisioning.NewTenant(slug, "Prov College", world.email(slug, "admin"), PASSWORD)


def test_created_tenant_has_schema_roles_settings_and_admin(world):
    slug = _slug()
    ref = world.new_tenant(slug, "Fresh College")
    assert ref.status == "active" and world.database.schema_exists(ref)
    with tenant_scope(ref):
        session = tenant_session()
        assert sorted(r.name for r in session.scalars(select(Role))) == ["admin", "candidate", "mentor"]
        admin = session.scalar(select(User))
        assert admin.email == world.email(slug, "admin") and admin.role_names == ["admin"]
        assert admin.password and PASSWORD not in admin.password
        assert settings.load(session).display_name == "Fresh College"


def test_failure_part_way_leaves_no_schema_and_no_row(world):
    slug = _slug()
    seen: list[TenantRef] = []

    def explode(ref, spec, hasher):
        seen.append(ref)
        assert world.database.schema_exists(ref)  # the schema really was made before the failure
        raise RuntimeError("disk full")

    with pytest.raises(provisioning.ProvisioningError, match="rolled back: disk full"):
        provisioning.create_tenant(_spec(world, slug), world.hasher(),
                                   steps=(provisioning.seed, explode))
    assert seen and not world.database.schema_exists(seen[0])
    assert _tenant_row(slug) is None
    # and the slug is free again
    assert world.new_tenant(slug).status == "active"


@pytest.mark.parametrize("slug", ["admin", "Bad_Slug", "x", "ends-"])
def test_invalid_slug_is_refused_and_creates_nothing(world, slug):
    with pytest.raises(provisioning.ProvisioningError) as info:
        provisioning.create_tenant(_spec(world, slug), world.hasher())
    assert slug in str(info.value) or "slug" in str(info.value)
    assert _tenant_row(slug) is None


def test_duplicate_slug_is_a_clear_error_that_changes_nothing(world):
    before = _tenant_row("alpha")
    with pytest.raises(provisioning.ProvisioningError, match="already exists"):
        provisioning.create_tenant(
            provisioning.NewTenant("alpha", "Impostor", "x@impostor.example.com", PASSWORD),
            world.hasher())
    after = _tenant_row("alpha")
    assert (after.name, after.schema_name, after.status) == (before.name, before.schema_name,
                                                            before.status)
    with tenant_scope(world.tenants["alpha"]):
        emails = [u.email for u in tenant_session().scalars(select(User))]
    assert "x@impostor.example.com" not in emails


def test_bad_admin_details_are_refused_before_anything_is_made(world):
    slug = _slug()
    for spec in (provisioning.NewTenant(slug, "C", "not-an-email", PASSWORD),
                 provisioning.NewTenant(slug, "C", "a@b.example.com", "short"),
                 provisioning.NewTenant(slug, "C", "a@b.example.com", "12345678"),
                 provisioning.NewTenant(slug, "C", "a@b.example.com", "password1234"),
                 provisioning.NewTenant(slug, "Riverside", "a@b.example.com", "riverside2026"),
                 provisioning.NewTenant(slug, "", "a@b.example.com", PASSWORD)):
        with pytest.raises(provisioning.ProvisioningError):
            provisioning.create_tenant(spec, world.hasher())
    assert _tenant_row(slug) is None


def test_delete_exports_then_drops(world, tmp_path):
    slug = _slug()
    ref = world.new_tenant(slug)
    archive = provisioning.delete_tenant(slug, tmp_path)
    assert not world.database.schema_exists(ref) and _tenant_row(slug) is None
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        users = json.loads(zf.read("users.json"))
    assert manifest["tenant"] == slug and manifest["tables"]["users"] == 1
    assert users[0]["email"] == world.email(slug, "admin")


def test_suspend_and_resume(world):
    slug = _slug()
    world.new_tenant(slug)
    client = world.client()
    assert client.get(f"/t/{slug}/").status_code == 200
    provisioning.set_status(slug, "suspended")
    resp = client.get(f"/t/{slug}/")
    assert resp.status_code == 403 and b"suspended" in resp.data
    assert client.get(f"/t/{slug}/login").status_code == 403
    provisioning.set_status(slug, "active")
    assert client.get(f"/t/{slug}/").status_code == 200


def test_custom_domain_reaches_the_tenant(world):
    slug = _slug()
    world.new_tenant(slug, "Domain College")
    domain = f"{slug}.college.example.org"
    provisioning.add_domain(slug, domain)
    resp = world.client().get("/", headers={"Host": domain})
    assert resp.status_code == 200 and b"Domain College" in resp.data
    with pytest.raises(provisioning.ProvisioningError, match="already in use"):
        provisioning.add_domain("alpha", domain)
    assert world.client().get("/", headers={"Host": "unknown.example.org"}).status_code == 404
