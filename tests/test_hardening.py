"""Web hardening found by the attack run, each reproduced through the real pages or API:
login CSRF, redirects, logo URLs, spreadsheet formulas, server errors on bad input, mail
file names, concurrent starts, account enumeration, weak passwords and API tokens."""

from __future__ import annotations

import csv
import io
import re
import threading
import uuid
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from helpers import PASSWORD, csrf_token
from itsdangerous import TimestampSigner
from job_helpers import settle
from test_interviews import BASE, new_candidate, questions, show  # noqa: F401  (questions: a fixture)
from test_questions import make_bank, upload

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Interview
from aimi.web.redirects import safe_next

API = "/t/alpha/api/v1"


def token_header(world, role: str = "admin") -> dict:
    return {"Authentication-Token": world.token("alpha", role)}


def assert_error_shape(resp, codes=(400, 422)) -> None:
    assert resp.status_code in codes, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert body["code"] == resp.status_code and body["message"]


# --- login CSRF ---------------------------------------------------------------------------------


def test_a_cross_site_form_cannot_sign_anyone_in(world):
    client = world.client()
    forged = client.post("/t/alpha/login", data={"email": world.email("alpha", "mentor"),
                                                 "password": PASSWORD})
    assert forged.status_code == 400
    assert client.get("/t/alpha/dashboard").status_code == 302  # still signed out
    token = csrf_token(client.get("/t/alpha/login").get_data(as_text=True))
    real = client.post("/t/alpha/login", data={"email": world.email("alpha", "mentor"),
                                               "password": PASSWORD, "csrf_token": token})
    assert real.status_code == 302 and client.get("/t/alpha/dashboard").status_code == 200


# --- redirects and logos ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["//evil.example", "/\t/evil.example", "/\\evil.example",
                                    "https://evil.example/", "\\\\evil.example", " //evil.example",
                                    "javascript:alert(1)", "/\n/evil.example", ""])
def test_unsafe_next_targets_fall_back(target):
    assert safe_next(target, "/home") == "/home"


def test_local_next_targets_are_kept():
    assert safe_next("/t/alpha/interviews/3?x=1", "/home") == "/t/alpha/interviews/3?x=1"


def test_the_consent_form_does_not_redirect_off_site(world):
    client = new_candidate(world)
    page = client.get(BASE.format(slug="alpha") + "/").get_data(as_text=True)
    resp = client.post("/t/alpha/recordings/consent",
                       data={"csrf_token": csrf_token(page), "next": "/\t/evil.example"})
    assert resp.status_code == 302
    assert "evil.example" not in resp.headers["Location"]


@pytest.mark.parametrize("url", ["//evil.example/logo.svg", "/\\evil.example/logo.svg"])
def test_protocol_relative_logos_are_refused(url):
    with pytest.raises(tenant_settings.SettingsError) as refused:
        tenant_settings.validate({"display_name": "A College", "logo_url": url})
    assert "logo_url" in refused.value.errors
    assert tenant_settings.validate({"display_name": "A", "logo_url": "/static/logo.svg"}).logo_url


# --- spreadsheets -------------------------------------------------------------------------------


def test_question_bank_csv_export_keeps_formulas_as_text_and_imports_back(world):
    text = f"=HYPERLINK(\"http://evil.example\") what is REST {uuid.uuid4().hex[:6]}?"
    bank, _ = make_bank(world, "alpha", [{"text": text, "keywords": "@SUM(A1), +1"}])
    admin = world.login("alpha", "admin")
    exported = admin.get(f"/t/alpha/questions/banks/{bank}/export.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["text"] == "'" + text and row["keywords"].startswith("'@")
    cells = [cell for cell in row.values() if cell]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells


# --- server errors on bad input -----------------------------------------------------------------


NESTED = "[" * 50_000 + "]" * 50_000


def test_deeply_nested_json_is_a_bad_request(world):
    client = world.client()
    headers = {**token_header(world), "Content-Type": "application/json"}
    assert_error_shape(client.post(f"{API}/users", data=NESTED, headers=headers))
    login = client.post("/t/alpha/login", data=NESTED,
                        headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert login.status_code == 400


def test_a_deeply_nested_question_file_is_explained(world):
    bank, _ = make_bank(world, "alpha")
    page = upload(world.login("alpha", "admin"), bank, "bank.json", NESTED)
    assert page.status_code in (200, 422)
    assert "nests lists or objects too deeply" in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/users", "/evaluations"])
@pytest.mark.parametrize("page", ["9999999999999999", "99999999999999999999"])
def test_huge_page_numbers_are_refused(world, path, page):
    resp = world.client().get(f"{API}{path}?page={page}", headers=token_header(world))
    assert_error_shape(resp)
    assert "page" in resp.get_json()["errors"]


@pytest.mark.usefixtures("questions")
@pytest.mark.parametrize("step", ["draft", "submit"])
@pytest.mark.parametrize("body", ['"just a string"', "42", NESTED])
def test_a_json_body_that_is_not_an_object_is_a_bad_request(world, step, body):
    client = new_candidate(world)
    page = client.get(BASE.format(slug="alpha") + "/").get_data(as_text=True)
    resp = client.post(BASE.format(slug="alpha") + "/", data={
        "role": "software-engineer", "type": "technical", "difficulty": "easy", "num_questions": "1",
        "csrf_token": csrf_token(page)})
    interview = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    _html, token = show(client, interview)
    resp = client.post(f"{BASE.format(slug='alpha')}/{interview}/answers/1/{step}", data=body,
                       headers={"X-CSRFToken": token, "Content-Type": "application/json",
                                "Accept": "application/json"})
    assert_error_shape(resp)


# --- mail file names ----------------------------------------------------------------------------


def test_mail_file_names_never_come_from_the_address(world):
    address = f"'/t2ur/$b{uuid.uuid4().hex[:4]}@lm.xd3ix.io"
    resp = world.client().post(f"{API}/users", headers=token_header(world), json={"email": address})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    outbox = world.settings.instance_path / "outbox" / "alpha"
    settle()
    [sent] = mail.outbox_files(outbox, address)
    assert sent.parent == outbox and "t2ur" not in sent.name
    assert message_from_bytes(sent.read_bytes(), policy=policy.default)["To"] == address


# --- concurrent starts --------------------------------------------------------------------------


@pytest.mark.usefixtures("questions")
def test_two_concurrent_starts_create_one_interview(world):
    client = new_candidate(world)
    page = client.get(BASE.format(slug="alpha") + "/").get_data(as_text=True)
    form = {"role": "software-engineer", "type": "technical", "difficulty": "easy", "num_questions": "1",
            "csrf_token": csrf_token(page)}
    start_key = csrf_token_named(page, "start_key")
    form["start_key"] = start_key
    cookie = client.get_cookie("aimi_alpha", path="/t/alpha/") or client.get_cookie("aimi_alpha")
    barrier, results = threading.Barrier(2), []

    def post():
        twin = world.client()
        twin.set_cookie(cookie.key, cookie.value, path=cookie.path)
        barrier.wait()
        results.append(twin.post(BASE.format(slug="alpha") + "/", data=form))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [302, 302], [r.get_data(as_text=True)[:300] for r in results]
    assert results[0].headers["Location"] == results[1].headers["Location"]
    interview = int(results[0].headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with tenant_scope(world.tenants["alpha"]):
        mine = tenant_session().get(Interview, interview).candidate_id
        count = len(tenant_session().query(Interview).filter(Interview.candidate_id == mine).all())
    assert count == 1


def csrf_token_named(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html) or re.search(
        rf'value="([^"]+)"[^>]*name="{name}"', html)
    assert match, f"no {name} field on the page"
    return match.group(1)


# --- account enumeration and passwords ----------------------------------------------------------


def test_registration_does_not_reveal_who_has_an_account(world):
    from test_accounts_flow import fresh_tenant, register

    ref = fresh_tenant(world, "enum", registration_policy="open")
    taken = world.email(ref.slug, "admin")
    answers = [register(world.client(), ref, email) for email in (taken, f"new-{uuid.uuid4().hex[:6]}@x.io")]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0].headers["Location"] == answers[1].headers["Location"]


def test_sign_in_and_reset_do_not_reveal_who_has_an_account(world):
    client = world.client()
    known = client.post("/t/alpha/login", json={"email": world.email("alpha", "mentor"),
                                                "password": "wrong-password-1"})
    unknown = client.post("/t/alpha/login", json={"email": "nobody-here@alpha.example.com",
                                                  "password": "wrong-password-1"})
    assert known.status_code == unknown.status_code == 400
    assert known.get_json()["response"]["errors"] == unknown.get_json()["response"]["errors"]

    page = client.get("/t/alpha/reset").get_data(as_text=True)
    flashes = []
    for email in (world.email("alpha", "mentor"), "nobody-here@alpha.example.com"):
        html = client.post("/t/alpha/reset", data={"email": email, "csrf_token": csrf_token(page)},
                           follow_redirects=True).get_data(as_text=True)
        flashes.append(_flash(html.replace(email, "ADDRESS")))
    assert flashes[0] and flashes[0] == flashes[1]


def _flash(html: str) -> list[str]:
    notices = re.findall(r'class="notice notice--[^"]*"[^>]*>(.*?)</li>', html, re.S)
    return [" ".join(notice.split()) for notice in notices]


@pytest.mark.parametrize("weak, advice", [
    ("12345678", "at least 10 characters"), ("password", "at least 10 characters"),
    ("aaaaaaaaaa", "Repeats like"), ("password123", "very common password"),
    ("1234567890", "common password")])
def test_weak_passwords_are_refused_with_advice(world, weak, advice):
    client = new_candidate(world)
    page = client.get("/t/alpha/change").get_data(as_text=True)
    resp = client.post("/t/alpha/change", data={
        "password": PASSWORD, "new_password": weak, "new_password_confirm": weak,
        "csrf_token": csrf_token(page)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and advice in html.replace("&#34;", '"')
    assert "three or four uncommon words joined together" in html  # what to do instead


# --- API tokens ---------------------------------------------------------------------------------


def test_tokens_only_in_the_header_and_revoked_at_logout(world):
    token = world.token("alpha", "mentor")
    client = world.client()
    assert client.get(f"{API}/me", headers={"Authentication-Token": token}).status_code == 200
    assert client.get(f"{API}/me?auth_token={token}").status_code == 401
    assert client.get(f"{API}/me", json={"auth_token": token}).status_code == 401
    assert world.portal.config["SECURITY_TOKEN_MAX_AGE"] <= timedelta(hours=12)
    out = client.post("/t/alpha/logout", headers={"Authentication-Token": token,
                                                  "Accept": "application/json"})
    assert out.status_code == 200, out.get_data(as_text=True)
    assert client.get(f"{API}/me", headers={"Authentication-Token": token}).status_code == 401


def test_a_token_is_refused_once_twelve_hours_old(world, monkeypatch):
    """The lifetime as a client meets it: the token's signed timestamp is read by a clock
    moved forward (itsdangerous's), not by the configuration."""
    token = {"Authentication-Token": world.token("alpha", "mentor")}
    now = TimestampSigner.get_timestamp

    def hours_later(hours: float) -> int:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: now(signer) + int(hours * 3600))
        return world.client().get(f"{API}/me", headers=token).status_code

    assert hours_later(11.9) == 200
    assert hours_later(12.1) == 401
