"""A cohort's candidates through the admin pages: found by search (paginated) and added one
at a time, or given as a pasted or uploaded list of e-mails and roll numbers that is
applied whole or not at all (each line says what it matched or why not); removed one at a
time; every change audited; admins only; nothing of another college."""

from __future__ import annotations

import io
import re

import pytest
from helpers import csrf_token, post_form, tag
from score_helpers import new_cohort, new_user
from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants.models import AuditLog, Cohort, User


def members(world, slug: str, cohort_id: int) -> set[int]:
    with tenant_scope(world.tenants[slug]):
        return {u.id for u in tenant_session.get(Cohort, cohort_id).candidates}


def set_roll(world, slug: str, user_id: int, roll: str) -> None:
    with tenant_scope(world.tenants[slug]):
        tenant_session.get(User, user_id).roll_number = roll
        tenant_session.commit()


@pytest.fixture
def cohort(world) -> dict:
    cohort_id = new_cohort(world, "alpha", [], name=f"Members {tag()}")
    return {"id": cohort_id, "url": f"/t/alpha/manage/cohorts/{cohort_id}",
            "admin": world.login("alpha", "admin")}


def test_search_paginates_and_adds_one(world, cohort):
    marker = f"Zq{tag()}"
    people = [new_user(world, "alpha", name=f"{marker} {i:02d}")[0] for i in range(27)]
    admin, add_page = cohort["admin"], f"{cohort['url']}/candidates"
    first = admin.get(f"{add_page}?q={marker.lower()}").get_data(as_text=True)
    assert "27 candidates not in" in first and first.count("<tr data-candidate=") == 25
    second = admin.get(f"{add_page}?q={marker}&page=2").get_data(as_text=True)
    assert second.count("<tr data-candidate=") == 2 and f"{marker} 26" in second

    resp = post_form(admin, f"{add_page}?q={marker}&page=2", f"{add_page}/add",
                     {"user_id": people[26], "q": marker, "page": "2"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"?q={marker}&page=2")
    assert members(world, "alpha", cohort["id"]) == {people[26]}
    again = admin.get(f"{add_page}?q={marker}").get_data(as_text=True)
    assert "26 candidates not in" in again  # a member is no longer offered
    page = admin.get(cohort["url"]).get_data(as_text=True)
    assert f'data-member="{people[26]}"' in page and 'name="candidates"' not in page
    # A member, a mentor or an unknown id cannot be added again.
    mentor_id, _ = new_user(world, "alpha", "mentor")
    for user_id in (people[26], mentor_id, 10**9):
        assert post_form(admin, add_page, f"{add_page}/add", {"user_id": user_id}).status_code == 404
    with tenant_scope(world.tenants["alpha"]):
        entry = tenant_session.scalar(select(AuditLog).where(AuditLog.action == "cohort.updated",
                                                             AuditLog.target_id == str(cohort["id"])))
        assert entry.details["candidates_added"] and entry.ip == "127.0.0.1"


def list_lines(html: str) -> dict[str, tuple[str, str]]:
    """line number -> (status, row text) of the list report."""
    return {n: (status, re.sub(r"<[^>]+>", " ", row)) for n, status, row in re.findall(
        r'<tr data-line="(\d+)" data-status="(\w+)">(.*?)</tr>', html, re.S)}


def test_a_list_with_a_bad_line_adds_nothing_and_says_why(world, cohort):
    admin, add_page = cohort["admin"], f"{cohort['url']}/candidates"
    good, good_email = new_user(world, "alpha")
    by_roll, _ = new_user(world, "alpha")
    roll = f"RN{tag()}"
    set_roll(world, "alpha", by_roll, roll)
    _mentor, mentor_email = new_user(world, "alpha", "mentor")
    text = (f"email\n{good_email}\n{roll.lower()}\nnobody-{tag()}@example.com\n{mentor_email}\n"
            f"NO-SUCH-{tag()}\n")
    resp = post_form(admin, add_page, f"{add_page}/list", {"lines": text})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Nothing was added: 3 lines of 5 do not match a candidate" in " ".join(html.split())
    lines = list_lines(html)
    assert lines["2"][0] == "add" and lines["3"][0] == "add"
    assert lines["4"][0] == "error" and "No one in your college has this e-mail address" in lines["4"][1]
    assert lines["5"][0] == "error" and "is not a candidate (mentor)" in lines["5"][1]
    assert lines["6"][0] == "error" and "has this roll number" in lines["6"][1]
    assert members(world, "alpha", cohort["id"]) == set()

    fixed = f"{good_email}\n{roll}\n{good_email.upper()}\n"
    resp = post_form(admin, add_page, f"{add_page}/list", {"lines": fixed})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Added 2; 0 already in the cohort; 1 line repeated a person" in " ".join(html.split())
    assert list_lines(html)["3"][0] == "repeat"
    assert members(world, "alpha", cohort["id"]) == {good, by_roll}


def test_an_uploaded_csv_list_and_members_already_in(world, cohort):
    admin, add_page = cohort["admin"], f"{cohort['url']}/candidates"
    first, first_email = new_user(world, "alpha")
    second, second_email = new_user(world, "alpha")
    post_form(admin, add_page, f"{add_page}/add", {"user_id": first})
    upload = f"email,name\n{first_email},First\n{second_email},Second\n".encode()
    resp = post_form(admin, add_page, f"{add_page}/list", {"file": (io.BytesIO(upload), "class.csv")},
                     content_type="multipart/form-data")
    assert resp.status_code == 200
    assert "Added 1; 1 already in the cohort" in resp.get_data(as_text=True)
    assert members(world, "alpha", cohort["id"]) == {first, second}
    empty = post_form(admin, add_page, f"{add_page}/list", {"lines": ""})
    assert empty.status_code == 422 and "The list is empty" in empty.get_data(as_text=True)


def test_remove_keeps_the_account(world, cohort):
    admin = cohort["admin"]
    person, _ = new_user(world, "alpha")
    post_form(admin, f"{cohort['url']}/candidates", f"{cohort['url']}/candidates/add", {"user_id": person})
    resp = post_form(admin, cohort["url"], f"{cohort['url']}/candidates/remove", {"user_id": person})
    assert resp.status_code == 302 and members(world, "alpha", cohort["id"]) == set()
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(User, person) is not None
    again = post_form(admin, cohort["url"], f"{cohort['url']}/candidates/remove", {"user_id": person})
    assert again.status_code == 404


def test_only_admins_and_only_this_college(world, cohort):
    person, _ = new_user(world, "alpha")
    mentor = world.login("alpha", "mentor")
    token = csrf_token(mentor.get("/t/alpha/dashboard").get_data(as_text=True))
    for path in ("candidates/add", "candidates/remove", "candidates/list", "join-code"):
        resp = mentor.post(f"{cohort['url']}/{path}", data={"csrf_token": token, "user_id": person,
                                                             "lines": "x@example.com", "action": "new"})
        assert resp.status_code == 403, path
    assert mentor.get(f"{cohort['url']}/candidates").status_code == 403
    # Beta's admin: an alpha address matches nobody in beta; alpha's cohort is untouched.
    beta_cohort = new_cohort(world, "beta", [], name=f"Beta members {tag()}")
    beta = world.login("beta", "admin")
    beta_page = f"/t/beta/manage/cohorts/{beta_cohort}/candidates"
    _p, alpha_email = new_user(world, "alpha")
    listed = post_form(beta, beta_page, f"{beta_page}/list", {"lines": alpha_email})
    assert listed.status_code == 422
    assert "No one in your college has this e-mail address" in listed.get_data(as_text=True)
    assert members(world, "alpha", cohort["id"]) == set() and members(world, "beta", beta_cohort) == set()
