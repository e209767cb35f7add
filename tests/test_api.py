"""The tenant REST API through HTTP: who may do what, pagination, validation, audit.

Every test names its own data (a uuid tag) because the world is shared by the session.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from helpers import csrf_token, tag
from job_helpers import settle
from sqlalchemy import func, select

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants.models import AuditLog, Cohort, Job, User
from aimi.tenants.notification_models import Notification
from aimi.tenants.notifications import DELIVER_KIND

API = "/t/alpha/api/v1"


def auth(world, role: str, slug: str = "alpha") -> dict:
    return {"Authentication-Token": world.token(slug, role)}


def count(world, model, *where, slug: str = "alpha") -> int:
    with tenant_scope(world.tenants[slug]):
        return tenant_session().scalar(select(func.count()).select_from(model).where(*where))


def audited(world, action: str, target_id: int, slug: str = "alpha") -> list[dict]:
    with tenant_scope(world.tenants[slug]):
        rows = tenant_session().scalars(select(AuditLog).where(
            AuditLog.action == action, AuditLog.target_id == str(target_id)))
        return [{"actor": r.actor_email, **r.details} for r in rows]


def invite(world, client, headers, role: str = "candidate", name: str = "") -> dict:
    resp = client.post(f"{API}/users", headers=headers,
                       json={"email": f"{role}-{tag()}@alpha.example.com", "full_name": name,
                             "roles": [role]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_me_describes_the_token_owner(world):
    resp = world.client().get(f"{API}/me", headers=auth(world, "mentor"))
    assert resp.status_code == 200
    me = resp.get_json()
    assert me["email"] == world.email("alpha", "mentor")
    assert me["roles"] == ["mentor"]
    assert me["tenant"] == "alpha"
    assert me["confirmed"] is True and me["two_factor"] is False


def test_me_works_with_the_session_cookie(world):
    client = world.login("alpha", "candidate")
    resp = client.get(f"{API}/me")
    assert resp.status_code == 200
    assert resp.get_json()["email"] == world.email("alpha", "candidate")


def test_invite_creates_user_mails_link_and_audits(world):
    client, admin = world.client(), auth(world, "admin")
    resp = client.post(f"{API}/users", headers=admin,
                       json={"email": f"New.Person-{tag()}@Alpha.example.com",
                             "full_name": "  New Person ", "roles": ["mentor", "candidate"]})
    assert resp.status_code == 201, resp.get_json()
    user = resp.get_json()
    assert user["email"] == user["email"].lower()
    assert user["full_name"] == "New Person"
    assert user["roles"] == ["candidate", "mentor"]
    assert user["confirmed"] is False
    assert resp.headers["Location"].endswith(f"/t/alpha/api/v1/users/{user['id']}")
    assert client.get(resp.headers["Location"], headers=admin).get_json() == user
    assert audited(world, "user.invited", user["id"])[0]["actor"] == world.email("alpha", "admin")

    outbox = world.settings.instance_path / "outbox" / "alpha"
    settle()
    mails = mail.outbox_files(outbox, user["email"])
    assert len(mails) == 1
    text = message_from_bytes(mails[0].read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    link = next(w for w in text.split() if "/invite/" in w)
    path = link[link.index("/t/alpha/invite/"):]
    assert client.get(path).status_code == 200


def test_invite_is_kept_and_its_failed_mail_is_shown_when_smtp_is_down(world):
    """The invitation is a notification delivered by a job: an unreachable SMTP server does
    not fail the request; the job retries, then fails with the provider's message."""
    portal, email = world.portal, f"unmailed-{tag()}@alpha.example.com"
    settings = portal.extensions["aimi_settings"]
    portal.extensions["aimi_settings"] = settings.with_(smtp_url="smtp://127.0.0.1:9")  # nothing listens
    try:
        resp = world.client().post(f"{API}/users", headers=auth(world, "admin"), json={"email": email})
        settle()  # the mail is tried after the response, with the settings of that moment
    finally:
        portal.extensions["aimi_settings"] = settings
    assert resp.status_code == 201
    assert count(world, User, User.email == email) == 1
    with tenant_scope(world.tenants["alpha"]):
        row = tenant_session.scalar(select(Notification).where(Notification.email == email))
        job = tenant_session.scalar(select(Job).where(Job.idempotency_key == f"{DELIVER_KIND}:{row.id}"))
        assert (row.kind, row.email_status) == ("invitation", "failed")
        assert "SMTP server unreachable" in row.email_error
        assert (job.status, job.attempts) == ("failed", 3)
        assert "SMTP server unreachable" in job.last_error


def test_invite_rejects_bad_input_and_writes_nothing(world):
    client, admin = world.client(), auth(world, "admin")
    users, audits = count(world, User), count(world, AuditLog)
    cases = [
        ({"email": "not-an-address", "roles": ["candidate"]}, "email"),
        ({"email": f"x-{tag()}@alpha.example.com", "roles": ["boss"]}, "roles"),
        ({"email": f"x-{tag()}@alpha.example.com", "roles": []}, "roles"),
        ({"email": f"x-{tag()}@alpha.example.com", "password": "secret123"}, "password"),
        ({"email": world.email("alpha", "mentor")}, "email"),  # already a user
        ({"full_name": "Nobody"}, "email"),
    ]
    for body, field in cases:
        resp = client.post(f"{API}/users", headers=admin, json=body)
        assert resp.status_code == 422, body
        assert field in resp.get_json()["errors"], resp.get_json()
    assert count(world, User) == users
    assert count(world, AuditLog) == audits


def test_users_pagination_search_and_role_filter(world):
    client, admin = world.client(), auth(world, "admin")
    name = f"Pager {tag()}"
    made = [invite(world, client, admin, role, name)["id"]
            for role in ("candidate", "mentor", "candidate", "mentor", "candidate")]

    resp = client.get(f"{API}/users", headers=admin, query_string={"q": name.upper(), "page_size": 2})
    assert resp.status_code == 200
    assert [u["id"] for u in resp.get_json()] == made[:2]
    meta = json.loads(resp.headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"], meta["page"], meta["next_page"]) == (5, 3, 1, 2)

    last = client.get(f"{API}/users", headers=admin, query_string={"q": name, "page_size": 2, "page": 3})
    assert [u["id"] for u in last.get_json()] == made[4:]

    mentors = client.get(f"{API}/users", headers=admin, query_string={"q": name, "role": "mentor"})
    assert [u["id"] for u in mentors.get_json()] == [made[1], made[3]]

    wildcard = client.get(f"{API}/users", headers=admin, query_string={"q": "%"})
    assert wildcard.get_json() == []

    for bad in ({"page_size": 101}, {"page": 0}, {"role": "boss"}):
        resp = client.get(f"{API}/users", headers=admin, query_string=bad)
        assert resp.status_code == 422
        assert set(resp.get_json()["errors"]) == set(bad)


def test_users_default_page_size_is_twenty(world):
    client, admin = world.client(), auth(world, "admin")
    for _ in range(21 - count(world, User)):
        invite(world, client, admin)
    resp = client.get(f"{API}/users", headers=admin)
    assert len(resp.get_json()) == 20
    assert json.loads(resp.headers["X-Pagination"])["total"] == count(world, User)


def test_patch_user_changes_roles_active_and_name_with_audit(world):
    client, admin = world.client(), auth(world, "admin")
    uid = invite(world, client, admin)["id"]
    resp = client.patch(f"{API}/users/{uid}", headers=admin,
                        json={"roles": ["mentor"], "active": False, "full_name": "Renamed"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["roles"], body["active"], body["full_name"]) == (["mentor"], False, "Renamed")
    assert audited(world, "user.roles_changed", uid)[0]["after"] == ["mentor"]
    assert len(audited(world, "user.deactivated", uid)) == 1
    assert audited(world, "user.renamed", uid)[0]["after"] == "Renamed"
    assert client.get(f"{API}/users/{uid}", headers=admin).get_json() == body


def test_patch_user_refusal_leaves_nothing_half_written(world):
    client, admin = world.client(), auth(world, "admin")
    me = client.get(f"{API}/me", headers=admin).get_json()
    audits = count(world, AuditLog)
    # The role change is valid and staged first; deactivating oneself is refused.
    resp = client.patch(f"{API}/users/{me['id']}", headers=admin,
                        json={"roles": ["admin", "mentor"], "active": False})
    assert resp.status_code == 422
    assert "active" in resp.get_json()["errors"]
    resp = client.patch(f"{API}/users/{me['id']}", headers=admin, json={"roles": ["mentor"]})
    assert resp.status_code == 422
    assert "own admin role" in resp.get_json()["errors"]["roles"][0]
    after = client.get(f"{API}/me", headers=admin).get_json()
    assert (after["roles"], after["active"]) == (["admin"], True)
    assert count(world, AuditLog) == audits


def test_mentor_reads_users_but_cannot_change_them(world):
    client, mentor = world.client(), auth(world, "mentor")
    assert client.get(f"{API}/users", headers=mentor).status_code == 200
    assert client.get(f"{API}/users/1", headers=mentor).status_code == 200
    assert client.patch(f"{API}/users/1", headers=mentor, json={"full_name": "x"}).status_code == 403
    resp = client.post(f"{API}/users", headers=mentor, json={"email": f"m-{tag()}@alpha.example.com"})
    assert resp.status_code == 403


def test_candidate_is_refused_users_and_cohorts(world):
    client, candidate = world.client(), auth(world, "candidate")
    calls = [("get", "/users"), ("post", "/users"), ("get", "/users/1"), ("patch", "/users/1"),
             ("get", "/cohorts"), ("post", "/cohorts"), ("get", "/cohorts/1"),
             ("patch", "/cohorts/1"), ("delete", "/cohorts/1")]
    for method, path in calls:
        resp = getattr(client, method)(API + path, headers=candidate, json={})
        assert resp.status_code == 403, (method, path)
        assert resp.get_json()["code"] == 403


def ids(world, client, headers) -> tuple[int, int]:
    """Ids of alpha's seeded mentor and candidate."""
    users = client.get(f"{API}/users", headers=headers, query_string={"q": "@alpha.example.com",
                                                                       "page_size": 100}).get_json()
    by_email = {u["email"]: u["id"] for u in users}
    return by_email[world.email("alpha", "mentor")], by_email[world.email("alpha", "candidate")]


def test_cohort_lifecycle_is_audited(world):
    client, admin = world.client(), auth(world, "admin")
    mentor_id, candidate_id = ids(world, client, admin)
    name = f"Batch {tag()}"
    resp = client.post(f"{API}/cohorts", headers=admin,
                       json={"name": name, "batch": "2026", "candidate_ids": [candidate_id],
                             "mentor_ids": [mentor_id]})
    assert resp.status_code == 201, resp.get_json()
    cohort = resp.get_json()
    assert (cohort["candidate_ids"], cohort["mentor_ids"]) == ([candidate_id], [mentor_id])
    assert audited(world, "cohort.created", cohort["id"])[0]["name"] == name
    assert client.get(resp.headers["Location"], headers=admin).get_json() == cohort

    resp = client.patch(f"{API}/cohorts/{cohort['id']}", headers=admin,
                        json={"description": "Evening group", "candidate_ids": []})
    assert resp.status_code == 200
    assert (resp.get_json()["description"], resp.get_json()["candidate_ids"]) == ("Evening group", [])
    change = audited(world, "cohort.updated", cohort["id"])[0]
    assert change["candidate_ids"] == {"before": [candidate_id], "after": []}
    assert set(change) == {"actor", "description", "candidate_ids"}

    assert client.delete(f"{API}/cohorts/{cohort['id']}", headers=admin).status_code == 204
    assert client.get(f"{API}/cohorts/{cohort['id']}", headers=admin).status_code == 404
    assert len(audited(world, "cohort.deleted", cohort["id"])) == 1


def test_cohort_validation_names_bad_ids_and_writes_nothing(world):
    client, admin = world.client(), auth(world, "admin")
    mentor_id, candidate_id = ids(world, client, admin)
    name = f"Valid {tag()}"
    existing = client.post(f"{API}/cohorts", headers=admin, json={"name": name}).get_json()
    cohorts, audits = count(world, Cohort), count(world, AuditLog)

    resp = client.post(f"{API}/cohorts", headers=admin,
                       json={"name": f"Other {tag()}", "candidate_ids": [candidate_id, mentor_id, 987654],
                             "mentor_ids": [candidate_id]})
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert f"{mentor_id}, 987654" in errors["candidate_ids"][0]
    assert str(candidate_id) in errors["mentor_ids"][0]
    for body in ({"name": name.upper()}, {"name": "   "}, {"candidate_ids": "all"}, {"colour": "red"}):
        resp = client.post(f"{API}/cohorts", headers=admin, json=body)
        assert resp.status_code == 422, body
    resp = client.patch(f"{API}/cohorts/{existing['id']}", headers=admin,
                        json={"description": "changed", "mentor_ids": [987654]})
    assert resp.status_code == 422
    assert list(resp.get_json()["errors"]) == ["mentor_ids"]

    assert count(world, Cohort) == cohorts
    assert count(world, AuditLog) == audits
    assert client.get(f"{API}/cohorts/{existing['id']}", headers=admin).get_json() == existing


def test_mentor_sees_only_the_cohorts_they_mentor(world):
    client, admin, mentor = world.client(), auth(world, "admin"), auth(world, "mentor")
    mentor_id, _candidate = ids(world, client, admin)
    mine = client.post(f"{API}/cohorts", headers=admin,
                       json={"name": f"Mine {tag()}", "mentor_ids": [mentor_id]}).get_json()
    other = client.post(f"{API}/cohorts", headers=admin, json={"name": f"Other {tag()}"}).get_json()

    listed = client.get(f"{API}/cohorts", headers=mentor, query_string={"page_size": 100})
    listed_ids = {c["id"] for c in listed.get_json()}
    assert json.loads(listed.headers["X-Pagination"])["total"] == len(listed_ids)
    assert mine["id"] in listed_ids and other["id"] not in listed_ids
    assert client.get(f"{API}/cohorts/{mine['id']}", headers=mentor).get_json() == mine
    assert client.get(f"{API}/cohorts/{other['id']}", headers=mentor).status_code == 404
    assert client.patch(f"{API}/cohorts/{mine['id']}", headers=mentor, json={}).status_code == 403
    assert client.delete(f"{API}/cohorts/{mine['id']}", headers=mentor).status_code == 403
    assert client.post(f"{API}/cohorts", headers=mentor, json={"name": tag()}).status_code == 403


def test_session_calls_need_the_csrf_header(world):
    client = world.login("alpha", "admin")
    body = {"name": f"Session {tag()}"}
    refused = client.post(f"{API}/cohorts", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["code"] == 400 and "CSRF" in refused.get_json()["message"]
    assert count(world, Cohort, Cohort.name == body["name"]) == 0

    token = csrf_token(client.get("/t/alpha/change").get_data(as_text=True))
    resp = client.post(f"{API}/cohorts", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 201, resp.get_json()
