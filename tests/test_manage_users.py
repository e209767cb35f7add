"""The tenant admin's user pages through HTTP: invitations that really arrive, search and
paging, role changes and deactivation (audited), CSV import with bad rows, tenant
isolation by id, and who may open the admin pages at all."""

from __future__ import annotations

import email
import email.policy
import io
import re
import uuid
from urllib.parse import urlsplit

import pytest
from helpers import PASSWORD, csrf_token, find_user, post_form, tag
from job_helpers import settle
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import accounts
from aimi.tenants.models import AuditLog, Cohort, Role, User


def add_users(world, slug: str, role: str, names: list[str], password: str | None = None) -> list[int]:
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        users = [accounts.create_user(session, email=f"{name.lower().replace(' ', '.')}@{slug}.example.com",
                                      full_name=name, roles=[role], confirmed=True,
                                      password_hash=world.hasher()(password) if password else None)
                 for name in names]
        session.commit()
        return [u.id for u in users]


def mails_to(world, slug: str, address: str) -> list[email.message.EmailMessage]:
    folder = world.settings.instance_path / "outbox" / slug
    settle()
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            for f in mail.outbox_files(folder, address)]


def invite_path(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+/invite/\S+", body)
    assert match, body
    return urlsplit(match.group(0)).path


def audit_actions(world, slug: str, target_id: int) -> list[str]:
    with tenant_scope(world.tenants[slug]):
        return list(tenant_session.scalars(
            select(AuditLog.action).where(AuditLog.target_type == "user",
                                          AuditLog.target_id == str(target_id)).order_by(AuditLog.id)))


# --- invitations -----------------------------------------------------------------------------


def test_invite_mails_a_link_that_sets_a_password(world):
    admin = world.login("alpha", "admin")
    address = f"new.mentor.{tag()}@alpha.example.com"
    resp = post_form(admin, "/t/alpha/manage/users", "/t/alpha/manage/users",
                     {"email": address, "full_name": "Nila Menon", "role": "mentor"}, follow_redirects=True)
    assert resp.status_code == 200
    assert f"Invitation sent to {address}" in resp.get_data(as_text=True)
    user = find_user(world.tenants["alpha"], address)
    assert user is not None and user.role_names == ["mentor"] and user.password is None

    (message,) = mails_to(world, "alpha", address)
    assert message["Subject"] == "Your invitation to Alpha College"
    path = invite_path(message)
    assert path.startswith("/t/alpha/invite/")

    visitor = world.client()
    page = visitor.get(path)
    assert page.status_code == 200 and address in page.get_data(as_text=True)
    done = visitor.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                    "password": "fresh-start-91", "password_confirm": "fresh-start-91"})
    assert done.status_code == 302
    login = world.client().post("/t/alpha/login", json={"email": address, "password": "fresh-start-91"})
    assert login.status_code == 200
    assert world.client().get(path).status_code == 410  # the link works once


@pytest.mark.parametrize("address, message", [
    ("not-an-address", "is not a valid e-mail address"),
    ("mentor@alpha.example.com", "already exists"),
    ("", "Give the e-mail address to invite."),
])
def test_invite_errors_are_shown_and_nothing_is_sent(world, address, message):
    admin = world.login("alpha", "admin")
    with tenant_scope(world.tenants["alpha"]):
        before = tenant_session.scalar(select(func.count()).select_from(User))
    resp = post_form(admin, "/t/alpha/manage/users", "/t/alpha/manage/users",
                     {"email": address, "full_name": "Someone", "role": "candidate"})
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.scalar(select(func.count()).select_from(User)) == before


# --- list, search, filter, paging ----------------------------------------------------------


def test_user_list_searches_filters_and_paginates(world):
    marker = f"Zq{tag()}"
    add_users(world, "alpha", "candidate", [f"{marker} Candidate {i:02d}" for i in range(26)])
    add_users(world, "alpha", "mentor", [f"{marker} Mentor"])
    admin = world.login("alpha", "admin")

    first = admin.get(f"/t/alpha/manage/users?q={marker.upper()}").get_data(as_text=True)
    assert "27 users found" in first
    assert first.count(f"{marker} ") == 25
    assert "page=2" in first
    second = admin.get(f"/t/alpha/manage/users?q={marker}&page=2").get_data(as_text=True)
    assert second.count(f"{marker} ") == 2

    mentors = admin.get(f"/t/alpha/manage/users?q={marker}&role=mentor").get_data(as_text=True)
    assert "1 user found" in mentors and f"{marker} Mentor" in mentors
    assert f"{marker} Candidate" not in mentors

    by_mail = admin.get(f"/t/alpha/manage/users?q={marker.lower()}.mentor@").get_data(as_text=True)
    assert "1 user found" in by_mail

    none = admin.get(f"/t/alpha/manage/users?q=nobody-{marker}")
    assert none.status_code == 200 and "No users match" in none.get_data(as_text=True)


# --- roles and activation --------------------------------------------------------------------


def test_role_change_and_deactivation_are_audited(world):
    name = f"Ravi Kumar {tag()}"
    (user_id,) = add_users(world, "alpha", "candidate", [name], password=PASSWORD)
    address = f"{name.lower().replace(' ', '.')}@alpha.example.com"
    admin = world.login("alpha", "admin")
    page_url = f"/t/alpha/manage/users/{user_id}"
    page = admin.get(page_url).get_data(as_text=True)
    assert name in page and address in page

    resp = post_form(admin, page_url, f"{page_url}/roles", {"roles": ["mentor", "candidate"]})
    assert resp.status_code == 302
    assert find_user(world.tenants["alpha"], address).role_names == ["candidate", "mentor"]

    signed_in = world.client().post("/t/alpha/login", json={"email": address, "password": PASSWORD})
    assert signed_in.status_code == 200
    resp = post_form(admin, page_url, f"{page_url}/active", {"active": "0"})
    assert resp.status_code == 302
    assert find_user(world.tenants["alpha"], address).active is False
    refused = world.client().post("/t/alpha/login", json={"email": address, "password": PASSWORD})
    assert refused.status_code == 400

    assert audit_actions(world, "alpha", user_id)[-2:] == ["user.roles_changed", "user.deactivated"]
    log = admin.get("/t/alpha/manage/audit?action=user.deactivated").get_data(as_text=True)
    assert address in log and f"user {user_id}" in log
    roles_log = admin.get("/t/alpha/manage/audit?action=user.roles_changed").get_data(as_text=True)
    assert "candidate, mentor" in roles_log
    assert "Deactivated" in admin.get(page_url).get_data(as_text=True)

    resp = post_form(admin, page_url, f"{page_url}/active", {"active": "1"}, follow_redirects=True)
    assert "can sign in again" in resp.get_data(as_text=True)
    assert find_user(world.tenants["alpha"], address).active is True


def test_role_form_errors_change_nothing(world):
    (user_id,) = add_users(world, "alpha", "candidate", [f"Kiran Das {tag()}"])
    admin = world.login("alpha", "admin")
    page_url = f"/t/alpha/manage/users/{user_id}"
    before = audit_actions(world, "alpha", user_id)

    resp = post_form(admin, page_url, f"{page_url}/roles", {})
    assert resp.status_code == 422 and "give at least one role" in resp.get_data(as_text=True)
    resp = post_form(admin, page_url, f"{page_url}/roles", {"roles": ["superuser"]})
    assert resp.status_code == 422 and "is not a valid choice" in resp.get_data(as_text=True)
    resp = post_form(admin, page_url, f"{page_url}/active", {"active": "maybe"})
    assert resp.status_code == 400
    assert audit_actions(world, "alpha", user_id) == before


def test_admin_cannot_demote_or_deactivate_themselves(world):
    admin = world.login("alpha", "admin")
    me = find_user(world.tenants["alpha"], world.email("alpha", "admin"))
    page_url = f"/t/alpha/manage/users/{me.id}"
    resp = post_form(admin, page_url, f"{page_url}/roles", {"roles": ["mentor"]})
    assert resp.status_code == 422 and "cannot remove your own admin role" in resp.get_data(as_text=True)
    resp = post_form(admin, page_url, f"{page_url}/active", {"active": "0"}, follow_redirects=True)
    assert "cannot deactivate your own account" in resp.get_data(as_text=True)
    me_after = find_user(world.tenants["alpha"], world.email("alpha", "admin"))
    assert me_after.active and me_after.role_names == ["admin"]


# --- CSV import ------------------------------------------------------------------------------


def test_csv_import_keeps_good_rows_and_reports_bad_ones(world):
    t = tag()
    cohort_name = f"Import Cohort {t}"
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        session.add(Cohort(name=cohort_name))
        session.commit()
    good_candidate, good_mentor = f"cand.{t}@alpha.example.com", f"ment.{t}@alpha.example.com"
    csv = "\n".join([
        "email,full_name,role,cohort",
        f"{good_candidate},Good Candidate,candidate,{cohort_name}",
        f"not-an-email-{t},Bad Email,candidate,",
        f"role.{t}@alpha.example.com,Bad Role,principal,",
        f"{good_candidate},Duplicate,candidate,",
        f"cohort.{t}@alpha.example.com,No Cohort,candidate,Cohort That Is Not {t}",
        f"{good_mentor},Good Mentor,mentor,{cohort_name}",
    ]) + "\n"
    admin = world.login("alpha", "admin")
    resp = post_form(admin, "/t/alpha/manage/users/import", "/t/alpha/manage/users/import",
                     {"file": (io.BytesIO(csv.encode()), "people.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Created 2 users" in html and "4 rows" in html
    errors = dict(re.findall(r'<tr><td class="num">(\d+)</td><td>(.*?)</td></tr>', html))
    assert set(errors) == {"3", "4", "5", "6"}
    assert "is not a valid e-mail address" in errors["3"]
    assert "unknown role principal" in errors["4"]
    assert "already exists" in errors["5"]
    assert "no cohort named" in errors["6"]

    assert find_user(world.tenants["alpha"], good_candidate).role_names == ["candidate"]
    assert find_user(world.tenants["alpha"], good_mentor).role_names == ["mentor"]
    assert find_user(world.tenants["alpha"], f"role.{t}@alpha.example.com") is None
    assert find_user(world.tenants["alpha"], f"cohort.{t}@alpha.example.com") is None
    with tenant_scope(world.tenants["alpha"]):
        cohort = tenant_session.scalar(select(Cohort).where(Cohort.name == cohort_name))
        assert [u.email for u in cohort.candidates] == [good_candidate]
        assert [u.email for u in cohort.mentors] == [good_mentor]
    for address in (good_candidate, good_mentor):
        (message,) = mails_to(world, "alpha", address)
        assert "/t/alpha/invite/" in invite_path(message)
    assert not mails_to(world, "alpha", f"cohort.{t}@alpha.example.com")


def test_csv_import_refuses_a_file_without_the_header(world):
    admin = world.login("alpha", "admin")
    address = f"headless.{tag()}@alpha.example.com"
    resp = post_form(admin, "/t/alpha/manage/users/import", "/t/alpha/manage/users/import",
                     {"file": (io.BytesIO(f"{address},Someone\n".encode()), "people.csv")},
                     content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "header with at least an &#39;email&#39; column" in resp.get_data(as_text=True)
    assert find_user(world.tenants["alpha"], address) is None
    missing = post_form(admin, "/t/alpha/manage/users/import", "/t/alpha/manage/users/import", {},
                        content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose a CSV file" in missing.get_data(as_text=True)


def test_sample_csv_is_linked_and_imports_cleanly(world):
    admin = world.login("alpha", "admin")
    page = admin.get("/t/alpha/manage/users/import").get_data(as_text=True)
    assert "/t/alpha/manage/users/import/sample.csv" in page
    sample = admin.get("/t/alpha/manage/users/import/sample.csv")
    assert sample.status_code == 200 and sample.mimetype == "text/csv"
    assert sample.get_data(as_text=True).startswith("email,full_name,role,cohort,roll_number\n")
    resp = post_form(admin, "/t/alpha/manage/users/import", "/t/alpha/manage/users/import",
                     {"file": (io.BytesIO(sample.get_data()), "sample.csv")},
                     content_type="multipart/form-data")
    assert "Created 2 users" in resp.get_data(as_text=True)


# --- isolation: ids overlap between tenants ------------------------------------------------


def twin_users(world) -> tuple[int, int, str, str]:
    """An alpha user and a beta user with the same id, plus a beta user whose id alpha lacks."""
    ids = []
    for slug in ("alpha", "beta"):
        with tenant_scope(world.tenants[slug]):
            ids.append(tenant_session.scalar(select(func.max(User.id))) or 0)
    shared = max(ids) + 1
    names = {"alpha": f"Alpha Only Person {tag()}", "beta": f"Beta Secret Person {tag()}"}
    for slug, extra in (("alpha", ()), ("beta", (shared + 1,))):
        with tenant_scope(world.tenants[slug]):
            session = tenant_session()
            role = session.scalar(select(Role).where(Role.name == "candidate"))
            for user_id in (shared, *extra):
                session.add(User(id=user_id, email=f"p{user_id}.{tag()}@{slug}.example.com",
                                 full_name=names[slug], active=True, fs_uniquifier=uuid.uuid4().hex,
                                 roles=[role]))
            session.commit()
    return shared, shared + 1, names["alpha"], names["beta"]


def test_alpha_admin_sees_only_alpha_users_by_id(world):
    shared, beta_only, alpha_name, beta_name = twin_users(world)
    admin = world.login("alpha", "admin")
    same_id = admin.get(f"/t/alpha/manage/users/{shared}").get_data(as_text=True)
    assert alpha_name in same_id and beta_name not in same_id
    assert "No users match" in admin.get(f"/t/alpha/manage/users?q={beta_name}").get_data(as_text=True)

    page_url = f"/t/alpha/manage/users/{shared}"
    assert admin.get(f"/t/alpha/manage/users/{beta_only}").status_code == 404
    assert post_form(admin, page_url, f"/t/alpha/manage/users/{beta_only}/roles",
                     {"roles": ["admin"]}).status_code == 404
    assert post_form(admin, page_url, f"/t/alpha/manage/users/{beta_only}/active",
                     {"active": "0"}).status_code == 404
    with tenant_scope(world.tenants["beta"]):
        untouched = tenant_session.get(User, beta_only)
        assert untouched.active and untouched.role_names == ["candidate"]
    assert audit_actions(world, "beta", beta_only) == []


# --- who may open the admin pages --------------------------------------------------------------


def manage_routes(world, method: str) -> list[str]:
    """Every admin path answering ``method`` (from the URL map, so new pages are covered)."""
    adapter = world.portal.url_map.bind("localhost")
    paths = []
    for rule in world.portal.url_map.iter_rules():
        if rule.endpoint.startswith("manage.") and method in (rule.methods or ()):
            values = {arg: 1 if isinstance(conv, IntegerConverter) else "x"
                      for arg, conv in rule._converters.items()}
            paths.append("/t/alpha" + adapter.build(rule.endpoint, values, method=method))
    return sorted(paths)


def test_admin_pages_are_found_in_the_url_map(world):
    gets = manage_routes(world, "GET")
    for page in ("users", "users/1", "users/import", "cohorts", "cohorts/1", "audit", "settings"):
        assert f"/t/alpha/manage/{page}" in gets


@pytest.mark.parametrize("role", ["mentor", "candidate"])
def test_mentors_and_candidates_get_403_on_every_admin_page(world, role):
    client = world.login("alpha", role)
    token = csrf_token(client.get("/t/alpha/dashboard").get_data(as_text=True))
    for url in manage_routes(world, "GET"):
        assert client.get(url).status_code == 403, url
    for url in manage_routes(world, "POST"):
        assert client.post(url, data={"csrf_token": token, "active": "0"}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(world):
    client = world.client()
    for method in ("GET", "POST"):
        for url in manage_routes(world, method):
            resp = client.open(url, method=method)
            assert resp.status_code == 302, url
            assert urlsplit(resp.headers["Location"]).path == "/t/alpha/login", url


def test_posts_without_csrf_token_are_refused(world):
    admin = world.login("alpha", "admin")
    address = f"nocsrf.{tag()}@alpha.example.com"
    resp = admin.post("/t/alpha/manage/users", data={"email": address, "role": "candidate"})
    assert resp.status_code == 400
    assert find_user(world.tenants["alpha"], address) is None
    for url in manage_routes(world, "POST"):
        assert admin.post(url, data={"active": "0", "name": "x"}).status_code == 400, url
