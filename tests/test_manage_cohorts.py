"""The tenant admin's cohort pages through HTTP: create, validate, edit members, delete,
search and paging, every change audited, and no way to reach another tenant's cohort."""

from __future__ import annotations

import pytest
from helpers import post_form, tag
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants.models import AuditLog, Cohort, User


def cohort_named(world, slug: str, name: str) -> dict | None:
    """The cohort's fields and member e-mails, read straight from the tenant's schema."""
    with tenant_scope(world.tenants[slug]):
        found = tenant_session.scalar(select(Cohort).where(Cohort.name == name))
        if found is None:
            return None
        return {"id": found.id, "batch": found.batch, "description": found.description,
                "mentors": sorted(u.email for u in found.mentors),
                "candidates": sorted(u.email for u in found.candidates)}


def audit_entries(world, slug: str, cohort_id: int) -> list[AuditLog]:
    with tenant_scope(world.tenants[slug]):
        entries = list(tenant_session.scalars(
            select(AuditLog).where(AuditLog.target_type == "cohort", AuditLog.target_id == str(cohort_id))
            .order_by(AuditLog.id)))
        tenant_session.expunge_all()
        return entries


def user_id(world, slug: str, address: str) -> int:
    with tenant_scope(world.tenants[slug]):
        return tenant_session.scalar(select(User.id).where(User.email == address))


def create(admin, name: str, **fields):
    return post_form(admin, "/t/alpha/manage/cohorts", "/t/alpha/manage/cohorts",
                     {"name": name, "batch": "", "description": "", **fields})


def test_create_cohort_and_see_it_listed(world):
    admin = world.login("alpha", "admin")
    name = f"MBA {tag()}"
    resp = create(admin, f"  {name}  ", batch="2024-26", description="Evening batch")
    assert resp.status_code == 302
    cohort = cohort_named(world, "alpha", name)
    assert cohort is not None and cohort["batch"] == "2024-26"
    assert resp.headers["Location"].endswith(f"/manage/cohorts/{cohort['id']}")

    listing = admin.get(f"/t/alpha/manage/cohorts?q={name}").get_data(as_text=True)
    assert "1 cohort found" in listing and name in listing and "2024-26" in listing
    (entry,) = audit_entries(world, "alpha", cohort["id"])
    assert entry.action == "cohort.created" and entry.actor_email == world.email("alpha", "admin")
    assert entry.ip == "127.0.0.1" and entry.details["name"] == name


@pytest.mark.parametrize("fields, message", [
    ({"name": "   "}, "Give the cohort a name."),
    ({"name": "x" * 121}, "Keep the name to 120 characters or fewer."),
    ({"batch": "y" * 41}, "Keep the batch to 40 characters or fewer."),
    ({"description": "z" * 2001}, "Keep the description to 2000 characters or fewer."),
])
def test_create_validation_errors_are_shown_and_nothing_is_written(world, fields, message):
    admin = world.login("alpha", "admin")
    with tenant_scope(world.tenants["alpha"]):
        before = tenant_session.scalar(select(func.count()).select_from(Cohort))
    resp = create(admin, **{"name": f"Valid {tag()}", **fields})
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.scalar(select(func.count()).select_from(Cohort)) == before


def test_duplicate_names_are_refused_whatever_their_case(world):
    admin = world.login("alpha", "admin")
    name = f"Placement {tag()}"
    assert create(admin, name).status_code == 302
    resp = create(admin, name.upper())
    assert resp.status_code == 422
    assert f"A cohort named &#39;{name.upper()}&#39; already exists" in resp.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        same = select(func.count()).select_from(Cohort).where(func.lower(Cohort.name) == name.lower())
        assert tenant_session.scalar(same) == 1


def test_edit_renames_and_assigns_members_with_audit(world):
    admin = world.login("alpha", "admin")
    name, other = f"BTech {tag()}", f"BTech other {tag()}"
    assert create(admin, name).status_code == 302
    assert create(admin, other).status_code == 302
    cohort = cohort_named(world, "alpha", name)
    url = f"/t/alpha/manage/cohorts/{cohort['id']}"
    mentor, candidate = world.email("alpha", "mentor"), world.email("alpha", "candidate")

    page = admin.get(url).get_data(as_text=True)
    assert mentor in page and 'data-filter="mentors-ctr"' in page
    assert candidate not in page  # candidates are found by search, not listed by the hundred

    renamed = f"{name} renamed"
    resp = post_form(admin, url, url, {"name": renamed, "batch": "2025", "description": "Day batch",
                                       "mentors": [user_id(world, "alpha", mentor)]})
    assert resp.status_code == 302
    added = post_form(admin, f"{url}/candidates?q={candidate}", f"{url}/candidates/add",
                      {"user_id": user_id(world, "alpha", candidate)})
    assert added.status_code == 302
    assert cohort_named(world, "alpha", name) is None
    saved = cohort_named(world, "alpha", renamed)
    assert saved["mentors"] == [mentor] and saved["candidates"] == [candidate] and saved["batch"] == "2025"
    listing = admin.get(f"/t/alpha/manage/cohorts?q={renamed}").get_data(as_text=True)
    assert listing.count('<td class="num">1</td>') == 2

    entry, member_entry = audit_entries(world, "alpha", cohort["id"])[-2:]
    assert entry.action == "cohort.updated" and entry.ip == "127.0.0.1"
    assert entry.details["changes"]["name"] == [name, renamed]
    assert entry.details["mentors_added"] == [mentor]
    assert member_entry.details["candidates_added"] == [candidate]
    log = admin.get("/t/alpha/manage/audit?action=cohort.updated").get_data(as_text=True)
    assert f"{name} → {renamed}" in log

    clash = post_form(admin, url, url, {"name": other, "mentors": []})
    assert clash.status_code == 422 and "already exists" in clash.get_data(as_text=True)
    removed = post_form(admin, url, url, {"name": renamed, "batch": "2025", "description": "Day batch"})
    assert removed.status_code == 302
    assert cohort_named(world, "alpha", renamed)["mentors"] == []
    assert cohort_named(world, "alpha", renamed)["candidates"] == [candidate]  # the form leaves them be
    assert audit_entries(world, "alpha", cohort["id"])[-1].details["mentors_removed"] == [mentor]


def test_members_must_come_from_the_offered_people(world):
    admin = world.login("alpha", "admin")
    name = f"Strict {tag()}"
    assert create(admin, name).status_code == 302
    cohort = cohort_named(world, "alpha", name)
    url = f"/t/alpha/manage/cohorts/{cohort['id']}"
    mentor_id = user_id(world, "alpha", world.email("alpha", "mentor"))
    resp = post_form(admin, url, url, {"name": name, "mentors": [987654]})
    assert resp.status_code == 422 and "is not a valid choice" in resp.get_data(as_text=True)
    assert post_form(admin, url, f"{url}/candidates/add", {"user_id": mentor_id}).status_code == 404
    assert cohort_named(world, "alpha", name)["candidates"] == []
    assert [e.action for e in audit_entries(world, "alpha", cohort["id"])] == ["cohort.created"]


def test_delete_cohort_keeps_its_people(world):
    admin = world.login("alpha", "admin")
    name = f"Doomed {tag()}"
    assert create(admin, name).status_code == 302
    cohort = cohort_named(world, "alpha", name)
    url = f"/t/alpha/manage/cohorts/{cohort['id']}"
    candidate = world.email("alpha", "candidate")
    post_form(admin, url, f"{url}/candidates/add", {"user_id": user_id(world, "alpha", candidate)})
    page = admin.get(url).get_data(as_text=True)
    assert 'data-confirm="Delete the cohort' in page

    resp = post_form(admin, url, f"{url}/delete", {}, follow_redirects=True)
    assert resp.status_code == 200 and f"Cohort {name} deleted" in resp.get_data(as_text=True)
    assert cohort_named(world, "alpha", name) is None
    assert user_id(world, "alpha", candidate) is not None
    assert audit_entries(world, "alpha", cohort["id"])[-1].action == "cohort.deleted"
    assert admin.get(url).status_code == 404


def test_cohort_list_searches_and_paginates(world):
    marker = f"Qx{tag()}"
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        session.add_all(Cohort(name=f"{marker} {i:02d}", batch="2030") for i in range(26))
        session.commit()
    admin = world.login("alpha", "admin")
    first = admin.get(f"/t/alpha/manage/cohorts?q={marker.lower()}").get_data(as_text=True)
    assert "26 cohorts found" in first and first.count(f"{marker} ") == 25
    second = admin.get(f"/t/alpha/manage/cohorts?q={marker}&page=2").get_data(as_text=True)
    assert second.count(f"{marker} ") == 1 and f"{marker} 25" in second
    past_end = admin.get(f"/t/alpha/manage/cohorts?q={marker}&page=99").get_data(as_text=True)
    assert f"{marker} 25" in past_end
    empty = admin.get(f"/t/alpha/manage/cohorts?q=none-{marker}").get_data(as_text=True)
    assert "No cohorts match" in empty


def test_a_new_tenant_shows_the_empty_state(world):
    slug = f"coh-{tag()}"
    world.new_tenant(slug)
    admin = world.login(slug, "admin")
    page = admin.get(f"/t/{slug}/manage/cohorts").get_data(as_text=True)
    assert "No cohorts yet" in page


def test_alpha_admin_cannot_reach_beta_cohorts_by_id(world):
    ids = []
    for slug in ("alpha", "beta"):
        with tenant_scope(world.tenants[slug]):
            ids.append(tenant_session.scalar(select(func.max(Cohort.id))) or 0)
    shared = max(ids) + 1
    names = {"alpha": f"Alpha Visible {tag()}", "beta": f"Beta Hidden {tag()}"}
    for slug, extra in (("alpha", ()), ("beta", (shared + 1,))):
        with tenant_scope(world.tenants[slug]):
            session = tenant_session()
            session.add_all(Cohort(id=cid, name=f"{names[slug]} {cid}") for cid in (shared, *extra))
            session.commit()

    admin = world.login("alpha", "admin")
    same_id = admin.get(f"/t/alpha/manage/cohorts/{shared}").get_data(as_text=True)
    assert names["alpha"] in same_id and names["beta"] not in same_id
    search = admin.get(f"/t/alpha/manage/cohorts?q={names['beta']}").get_data(as_text=True)
    assert "No cohorts match" in search

    beta_only = f"/t/alpha/manage/cohorts/{shared + 1}"
    page = f"/t/alpha/manage/cohorts/{shared}"
    assert admin.get(beta_only).status_code == 404
    assert post_form(admin, page, beta_only, {"name": "Taken over"}).status_code == 404
    assert post_form(admin, page, f"{beta_only}/delete", {}).status_code == 404
    assert cohort_named(world, "beta", f"{names['beta']} {shared + 1}") is not None
    assert audit_entries(world, "beta", shared + 1) == []
