"""Account flows through HTTP: registration per policy, e-mail confirmation, password
reset and change, login rate limiting per tenant, and mandatory TOTP for admins."""

from __future__ import annotations

import email
import email.policy
import random
import re
import time
import uuid
from urllib.parse import urlsplit

import pytest
import redis as redis_lib
from helpers import PASSWORD, csrf_token, find_user
from job_helpers import settle
from passlib.totp import TOTP
from sqlalchemy import select

from aimi.platform import mail, ratelimit
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.tenancy import TenantRef
from aimi.tenants import accounts
from aimi.tenants import settings as tenant_settings
from aimi.tenants.models import AuditLog

NEW_PASSWORD = "battery-staple-77"


def fresh_tenant(world, prefix: str, **policy) -> TenantRef:
    """A new tenant for one test, with its registration policy set as an admin would."""
    ref = world.new_tenant(f"{prefix}-{uuid.uuid4().hex[:8]}")
    if policy:
        with tenant_scope(ref):
            session = tenant_session()
            tenant_settings.save(session, policy)
            session.commit()
    return ref


def add_user(world, ref: TenantRef, role: str) -> str:
    address = f"{role}-{uuid.uuid4().hex[:6]}@{ref.slug}.example.com"
    with tenant_scope(ref):
        session = tenant_session()
        accounts.create_user(session, email=address, full_name=f"Test {role}", roles=[role],
                             password_hash=world.hasher()(PASSWORD), confirmed=True)
        session.commit()
    return address


def register(client, ref: TenantRef, address: str, **extra):
    """Fill in the register form, with the CSRF token its page carries."""
    page = client.get(f"/t/{ref.slug}/register")
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(f"/t/{ref.slug}/register", data={
        "email": address, "password": PASSWORD, "password_confirm": PASSWORD,
        "full_name": "New Candidate", "csrf_token": csrf_token(page.get_data(as_text=True)), **extra,
    })


def signed_out_token(client, ref: TenantRef) -> str:
    """The CSRF token a signed-out visitor's forms carry (from the sign-in page)."""
    return csrf_token(client.get(f"/t/{ref.slug}/login").get_data(as_text=True))


def login(client, ref: TenantRef, address: str, password: str = PASSWORD):
    return client.post(f"/t/{ref.slug}/login", json={"email": address, "password": password})


def mailed_link(world, ref: TenantRef, address: str, path_part: str) -> str:
    """The path of the newest link containing ``path_part`` mailed to ``address``."""
    folder = world.settings.instance_path / "outbox" / ref.slug
    settle()
    files = mail.outbox_files(folder, address)
    assert files, f"no mail to {address} in {folder}"
    for file in reversed(files):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert address in message["To"]
        body = message.get_body(preferencelist=("plain",)).get_content()
        match = re.search(r"https?://[^\s\"'<>]+" + re.escape(path_part) + r"[^\s\"'<>]+", body)
        if match:
            url = urlsplit(match.group(0))
            return url.path + (f"?{url.query}" if url.query else "")
    raise AssertionError(f"no {path_part} link mailed to {address}")


def subjects(world, ref: TenantRef, address: str) -> list[str]:
    """The subjects of the mails sent to ``address``, oldest first."""
    settle()
    return [email.message_from_bytes(file.read_bytes(), policy=email.policy.default)["Subject"]
            for file in mail.outbox_files(world.settings.instance_path / "outbox" / ref.slug, address)]


# --- registration policies -------------------------------------------------------------


def test_closed_registration_shows_closed_and_creates_nothing(world):
    ref = fresh_tenant(world, "closed")  # closed is the default policy
    client = world.client()
    page = client.get(f"/t/{ref.slug}/register")
    assert page.status_code == 403
    assert "Registration is closed" in page.get_data(as_text=True)
    address = f"sneaky@{ref.slug}.example.com"
    resp = client.post(f"/t/{ref.slug}/register", data={
        "email": address, "password": PASSWORD, "password_confirm": PASSWORD,
        "csrf_token": signed_out_token(client, ref)})
    assert resp.status_code == 403
    json_resp = client.post(f"/t/{ref.slug}/register",
                            json={"email": address, "password": PASSWORD,
                                  "password_confirm": PASSWORD})
    assert json_resp.status_code == 403
    assert find_user(ref, address) is None


def test_invite_code_registration(world):
    ref = fresh_tenant(world, "invite", registration_policy="invite_code",
                       invite_code="PLACEMENT-2024")
    address = f"cand@{ref.slug}.example.com"
    assert 'name="invite_code"' in world.client().get(f"/t/{ref.slug}/register").get_data(as_text=True)
    wrong = register(world.client(), ref, address, invite_code="guess-123")
    assert wrong.status_code == 200
    assert "That invite code is not right" in wrong.get_data(as_text=True)
    wrong_json = world.client().post(f"/t/{ref.slug}/register", json={
        "email": address, "password": PASSWORD, "password_confirm": PASSWORD})
    assert wrong_json.status_code == 400
    assert "invite code" in str(wrong_json.get_json()["response"]["field_errors"]["invite_code"])
    assert find_user(ref, address) is None

    right = register(world.client(), ref, address, invite_code=" PLACEMENT-2024 ")
    assert right.status_code == 302
    assert find_user(ref, address) is not None


def test_email_domain_registration(world):
    ref = fresh_tenant(world, "domain", registration_policy="email_domain",
                       allowed_email_domains=["college.edu"])
    outsider = f"someone-{ref.slug}@gmail.example.com"
    assert 'name="invite_code"' not in world.client().get(f"/t/{ref.slug}/register").get_data(as_text=True)
    refused = register(world.client(), ref, outsider)
    assert refused.status_code == 200
    assert "Use your @college.edu e-mail address" in refused.get_data(as_text=True)
    assert find_user(ref, outsider) is None

    insider = f"student-{ref.slug}@college.edu"
    assert register(world.client(), ref, insider).status_code == 302
    assert find_user(ref, insider) is not None


def test_open_registration_makes_a_confirmable_candidate(world):
    ref = fresh_tenant(world, "open", registration_policy="open")
    address = f"cand-{uuid.uuid4().hex[:6]}@example.com"
    client = world.client()
    assert register(client, ref, address).status_code == 302

    user = find_user(ref, address)
    assert user.role_names == ["candidate"] and user.full_name == "New Candidate"
    assert user.confirmed_at is None
    with tenant_scope(ref):
        entry = tenant_session.scalar(select(AuditLog).where(AuditLog.action == "user.registered"))
        assert entry.target_id == str(user.id) and entry.actor_id == user.id

    refused = login(world.client(), ref, address)
    assert refused.status_code == 400  # the answer a wrong password gets: nothing revealed
    wrong = login(world.client(), ref, address, "wrong-password-9")
    assert refused.get_json()["response"]["errors"] == wrong.get_json()["response"]["errors"]
    assert f"/t/{ref.slug}/confirm" in world.client().get(f"/t/{ref.slug}/login").get_data(as_text=True)

    # Opening the link (as a mail scanner or a link preview would) confirms nothing: it shows
    # the button that does, a POST with the page's CSRF token.
    link = mailed_link(world, ref, address, "/confirm/")
    page = world.client().get(link)
    assert page.status_code == 200 and "Confirm my account" in page.get_data(as_text=True)
    assert find_user(ref, address).confirmed_at is None
    assert client.post(link).status_code == 400  # no CSRF token: a cross-site form cannot confirm
    assert find_user(ref, address).confirmed_at is None
    confirm = client.post(link, data={"csrf_token": csrf_token(client.get(link).get_data(as_text=True))})
    assert confirm.status_code == 302
    assert subjects(world, ref, address) == ["Confirm your account at Test College"]
    assert find_user(ref, address).confirmed_at is not None
    used = world.client().get(link)  # the used link says so (Flask-Security's flash), writes nothing
    assert used.status_code == 302 and "/confirm" in used.headers["Location"]
    assert login(world.client(), ref, address).status_code == 200
    # The new account belongs to this tenant only.
    assert login(world.client(), world.tenants["alpha"], address).status_code == 400


# --- passwords --------------------------------------------------------------------------


def test_password_reset_through_the_mailed_link(world):
    ref = world.tenants["alpha"]
    address = add_user(world, ref, "candidate")
    client = world.client()
    assert client.get("/t/alpha/reset").status_code == 200
    resp = client.post("/t/alpha/reset", data={"email": address, "csrf_token": signed_out_token(client, ref)})
    assert resp.status_code in (200, 302)

    link = mailed_link(world, ref, address, "/reset/")
    assert client.get(link).status_code == 200
    token = csrf_token(client.get(link).get_data(as_text=True))
    mismatch = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": "other-pass-9",
                                       "csrf_token": token})
    assert mismatch.status_code == 200 and "Passwords do not match" in mismatch.get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD,
                                   "csrf_token": token})
    assert done.status_code == 302

    assert login(world.client(), ref, address, PASSWORD).status_code == 400
    assert login(world.client(), ref, address, NEW_PASSWORD).status_code == 200
    assert subjects(world, ref, address) == ["Reset your password at Alpha College",
                                             "Your password at Alpha College was reset"]
    # A reset link works once.
    assert client.get(link).status_code == 302


def test_change_password(world):
    ref = world.tenants["beta"]
    address = add_user(world, ref, "mentor")
    client = world.client()
    assert login(client, ref, address).status_code == 200
    page = client.get("/t/beta/change")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    wrong = client.post("/t/beta/change", data={
        "csrf_token": token, "password": "not-my-password", "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD})
    assert wrong.status_code == 200 and "Invalid password" in wrong.get_data(as_text=True)
    done = client.post("/t/beta/change", data={
        "csrf_token": token, "password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert login(world.client(), ref, address, PASSWORD).status_code == 400
    assert login(world.client(), ref, address, NEW_PASSWORD).status_code == 200


def test_change_password_needs_a_session(world):
    resp = world.client().get("/t/alpha/change")
    assert resp.status_code == 302 and "/t/alpha/login" in resp.headers["Location"]


# --- login rate limiting ----------------------------------------------------------------


def client_from(world, ip: str):
    client = world.client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def random_ip() -> str:
    return "10.{}.{}.{}".format(*(random.randint(1, 254) for _ in range(3)))


def test_failed_logins_are_limited_per_tenant_and_ip(world):
    limit = world.settings.login_rate_limit
    ref = fresh_tenant(world, "rl")
    ip = random_ip()
    client = client_from(world, ip)
    address = world.email(ref.slug, "admin")
    for _ in range(limit):
        assert login(client, ref, address, "wrong-password").status_code == 400
    blocked = login(client, ref, address, PASSWORD)
    assert blocked.status_code == 429
    # Until the window that began with the first failure ends.
    assert 0 < int(blocked.headers["Retry-After"]) <= world.settings.login_rate_window
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)

    # Another network, and the same network on another tenant, are not affected.
    assert login(client_from(world, random_ip()), ref, address).status_code == 200
    alpha = world.tenants["alpha"]
    assert login(client_from(world, ip), alpha, world.email("alpha", "mentor")).status_code == 200


def test_a_successful_login_clears_the_failures(world):
    limit = world.settings.login_rate_limit
    ref = fresh_tenant(world, "rlok")
    client = client_from(world, random_ip())
    address = world.email(ref.slug, "admin")
    for _ in range(limit - 1):
        assert login(client, ref, address, "wrong-password").status_code == 400
    assert login(client, ref, address).status_code == 200
    client.post(f"/t/{ref.slug}/logout", json={})
    for _ in range(limit - 1):
        assert login(client, ref, address, "wrong-password").status_code == 400
    assert login(client, ref, address).status_code == 200


def test_redis_counter_keys_carry_the_tenant(redis_url):
    counter = ratelimit.make_counter(redis_url)
    assert isinstance(counter, ratelimit.RedisCounter)
    ip = random_ip()
    mine = ratelimit.key(f"tenant-a-{uuid.uuid4().hex[:6]}", "login", ip)
    theirs = ratelimit.key(f"tenant-b-{uuid.uuid4().hex[:6]}", "login", ip)
    assert mine != theirs and mine.startswith("aimi:tenant-a-")
    assert [counter.hit(mine, 60) for _ in range(3)] == [1, 2, 3]
    assert counter.hit(theirs, 60) == 1
    assert counter.count(mine, 60) == 3

    raw = redis_lib.Redis.from_url(redis_url)
    assert 0 < raw.ttl(mine) <= 60
    counter.hit(mine, 600)  # a later hit does not extend the window
    assert raw.ttl(mine) <= 60
    counter.reset(mine)
    assert counter.count(mine, 60) == 0 and counter.count(theirs, 60) == 1
    counter.reset(theirs)


# --- mandatory two-factor ---------------------------------------------------------------


@pytest.fixture
def strict_app(world):
    """The same database as the world, with two-factor required for admins."""
    with world.app_with(require_2fa=True) as app:
        yield app


def _csrf_header(client, page_url: str) -> dict:
    return {"X-CSRF-Token": csrf_token(client.get(page_url).get_data(as_text=True))}


def current_code(b32key: str) -> str:
    """What the authenticator app shows now; waits out the last seconds of a 30 s step so
    the code is still valid when the server checks it."""
    if 30 - time.time() % 30 < 3:
        time.sleep(3)
    return TOTP(key=b32key, format="base32").generate().token


def start_totp_setup(client, base: str, issuer: str = "aimi") -> tuple[str, str, str]:
    """Start authenticator setup as the page does: (b32 key, state token, form CSRF)."""
    started = client.post(f"{base}/tf-setup", json={"setup": "authenticator"},
                          headers=_csrf_header(client, f"{base}/tf-setup"))
    assert started.status_code == 200, started.get_data(as_text=True)
    body = started.get_json()["response"]
    assert body["tf_authr_issuer"] == issuer
    # The code form of the setup page (its JSON variant needs a phone-number column).
    token = csrf_token(client.get(f"{base}/tf-setup").get_data(as_text=True))
    return body["tf_authr_b32key"], body["tf_state_token"], token


def enrol_totp(client, base: str, issuer: str = "aimi") -> str:
    """Enrol an authenticator for the signed-in account; returns its base32 key."""
    b32key, state, token = start_totp_setup(client, base, issuer)
    done = client.post(f"{base}/tf-setup/{state}",
                       data={"code": current_code(b32key), "csrf_token": token})
    assert done.status_code == 302, done.get_data(as_text=True)
    return b32key


def test_admins_must_set_up_two_factor_when_required(world, strict_app):
    ref = fresh_tenant(world, "tfa")
    base = f"/t/{ref.slug}"
    mentor = add_user(world, ref, "mentor")
    admin = world.email(ref.slug, "admin")

    mentor_client = strict_app.test_client()
    assert login(mentor_client, ref, mentor).status_code == 200
    assert mentor_client.get(f"{base}/dashboard").status_code == 200

    client = strict_app.test_client()
    assert login(client, ref, admin).status_code == 200
    resp = client.get(f"{base}/dashboard")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"{base}/tf-setup")
    api = client.get(f"{base}/api/v1/me", headers={"Accept": "application/json"})
    assert api.status_code == 403 and "two-factor" in api.get_json()["message"]
    assert client.get(f"{base}/tf-setup").status_code == 200

    b32key, state, token = start_totp_setup(client, base)
    wrong = client.post(f"{base}/tf-setup/{state}", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 302 and find_user(ref, admin).tf_primary_method is None
    done = client.post(f"{base}/tf-setup/{state}",
                       data={"code": current_code(b32key), "csrf_token": token})
    assert done.status_code == 302
    assert find_user(ref, admin).tf_primary_method == "authenticator"
    assert client.get(f"{base}/dashboard").status_code == 200

    # From now on the password alone does not sign the admin in.
    again = strict_app.test_client()
    first = login(again, ref, admin)
    assert first.status_code == 200 and first.get_json()["response"]["tf_required"] is True
    assert again.get(f"{base}/dashboard").status_code == 302
    second = again.post(f"{base}/tf-validate", json={"code": current_code(b32key)})
    assert second.status_code == 200, second.get_data(as_text=True)
    assert again.get(f"{base}/dashboard").status_code == 200


def _restricted_password_login(app, base: str, address: str):
    """A password-only session with remember-me, and an API token, before enrolment."""
    client = app.test_client()
    resp = client.post(f"{base}/login?include_auth_token",
                       json={"email": address, "password": PASSWORD, "remember": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    remember = client.get_cookie("remember_token", path=f"{base}/") or client.get_cookie(
        "remember_token")
    assert remember is not None, "remember-me cookie was not set"
    return client, resp.get_json()["response"]["user"]["authentication_token"], remember.value


def test_enrolling_two_factor_does_not_upgrade_older_sessions(world, strict_app):
    """A session, remember cookie or token from before enrolment never becomes admin."""
    ref = fresh_tenant(world, "tfold")
    base = f"/t/{ref.slug}"
    admin = world.email(ref.slug, "admin")
    old, old_token, old_remember = _restricted_password_login(strict_app, base, admin)
    assert old.get(f"{base}/manage/users").status_code == 302
    token_header = {"Authentication-Token": old_token, "Accept": "application/json"}
    assert old.get(f"{base}/api/v1/me", headers=token_header).status_code == 403

    owner = strict_app.test_client()
    assert login(owner, ref, admin).status_code == 200
    b32key = enrol_totp(owner, base)
    assert owner.get(f"{base}/manage/users").status_code == 200  # the session that enrolled

    assert old.get(f"{base}/manage/users").status_code in (302, 401)
    assert old.get(f"{base}/api/v1/me", headers={"Accept": "application/json"}).status_code in (401, 403)
    fresh = strict_app.test_client()
    assert fresh.get(f"{base}/api/v1/me", headers=token_header).status_code in (401, 403)
    cookie_only = strict_app.test_client()
    cookie_only.set_cookie("remember_token", old_remember, path=f"{base}/")
    assert cookie_only.get(f"{base}/manage/users").status_code in (302, 401)
    assert cookie_only.get(f"{base}/api/v1/me",
                           headers={"Accept": "application/json"}).status_code in (401, 403)

    # A new sign-in with both factors gets a working token.
    again = strict_app.test_client()
    assert login(again, ref, admin).get_json()["response"]["tf_required"] is True
    done = again.post(f"{base}/tf-validate?include_auth_token", json={"code": current_code(b32key)})
    assert done.status_code == 200, done.get_data(as_text=True)
    token = done.get_json()["response"]["user"]["authentication_token"]
    assert strict_app.test_client().get(
        f"{base}/api/v1/me", headers={"Authentication-Token": token}).status_code == 200


def test_changing_the_authenticator_signs_out_every_other_session_and_token(world, strict_app):
    """Not only enrolment: a second factor changed (a lost phone) ends the sessions and
    tokens that proved the old one, while the session that changed it goes on."""
    ref = fresh_tenant(world, "tfchg")
    base = f"/t/{ref.slug}"
    admin = world.email(ref.slug, "admin")
    owner = strict_app.test_client()
    assert login(owner, ref, admin).status_code == 200
    first_key = enrol_totp(owner, base)

    other = strict_app.test_client()
    assert login(other, ref, admin).get_json()["response"]["tf_required"] is True
    proven = other.post(f"{base}/tf-validate?include_auth_token", json={"code": current_code(first_key)})
    assert proven.status_code == 200, proven.get_data(as_text=True)
    token = {"Authentication-Token": proven.get_json()["response"]["user"]["authentication_token"]}
    assert other.get(f"{base}/manage/users").status_code == 200
    assert strict_app.test_client().get(f"{base}/api/v1/me", headers=token).status_code == 200

    second_key = enrol_totp(owner, base)
    assert second_key != first_key and owner.get(f"{base}/manage/users").status_code == 200
    assert other.get(f"{base}/manage/users").status_code in (302, 401)
    assert strict_app.test_client().get(f"{base}/api/v1/me", headers=token).status_code in (401, 403)


def test_enrolling_two_factor_does_not_upgrade_older_console_sessions(world, strict_app):
    from aimi.web.cli import ensure_superadmin

    address = f"root-{uuid.uuid4().hex[:6]}@platform.example.com"
    with strict_app.app_context():
        ensure_superadmin(address, PASSWORD, "Root")
    old = strict_app.test_client()
    assert old.post("/admin/login", json={"email": address, "password": PASSWORD}).status_code == 200
    assert old.get("/admin/").status_code == 302

    owner = strict_app.test_client()
    assert owner.post("/admin/login", json={"email": address, "password": PASSWORD}).status_code == 200
    enrol_totp(owner, "/admin", issuer="aimi console")
    assert owner.get("/admin/").status_code == 200
    resp = old.get("/admin/")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]
