"""Secrets apart from AIMI_SECRET_KEY (rotating it breaks no password, enrolment or open
session), X-Forwarded-* trusted only from configured proxies, production headers."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from helpers import PASSWORD
from sqlalchemy import select
from test_accounts_flow import current_code, enrol_totp, fresh_tenant, login

from aimi.platform import config
from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants.models import AuditLog
from aimi.web.app import create_app
from aimi.web.cli import main

NEW_KEY = "rotated-secret-key-after-a-leak-0123456789"


@pytest.fixture
def restore_world(world):
    yield
    create_app(world.settings)  # re-point the shared engines at the world's settings
    assert world.client().get("/t/alpha/").status_code == 200


def rotated(settings: config.Settings) -> config.Settings:
    """The rotation the README describes: salt and TOTP keys pinned, the old key a fallback."""
    return settings.with_(secret_key=NEW_KEY, secret_key_fallbacks=(settings.secret_key,),
                          password_salt=settings.effective_password_salt,
                          totp_secrets=settings.effective_totp_secrets)


@pytest.mark.usefixtures("restore_world")
def test_rotating_the_secret_key_keeps_passwords_enrolments_and_sessions(world):
    ref = fresh_tenant(world, "rot")
    base = f"/t/{ref.slug}"
    admin = world.email(ref.slug, "admin")
    before = world.client()
    assert login(before, ref, admin).status_code == 200
    b32key = enrol_totp(before, base)
    cookie = next(c for c in before._cookies.values() if c.key.startswith("aimi_"))

    app = create_app(rotated(world.settings))
    still = app.test_client()
    still.set_cookie(cookie.key, cookie.value, path=cookie.path)
    assert still.get(f"{base}/dashboard").status_code == 200  # the open session survives

    again = app.test_client()
    first = login(again, ref, admin)
    assert first.status_code == 200 and first.get_json()["response"]["tf_required"] is True
    assert again.post(f"{base}/tf-validate", json={"code": current_code(b32key)}).status_code == 200
    assert again.get(f"{base}/dashboard").status_code == 200

    careless = create_app(world.settings.with_(secret_key=NEW_KEY)).test_client()
    assert login(careless, ref, admin).status_code == 400  # why the salt needs its own setting


def test_production_needs_its_own_salt_and_totp_keys():
    env = {"AIMI_ENV": "production", "AIMI_SECRET_KEY": "k" * 40}
    with pytest.raises(config.ConfigError, match="AIMI_PASSWORD_SALT and AIMI_TOTP_SECRETS"):
        config.from_env(env)
    with pytest.raises(config.ConfigError, match="AIMI_TOTP_SECRETS entries"):
        config.from_env({**env, "AIMI_PASSWORD_SALT": "s" * 32, "AIMI_TOTP_SECRETS": "one=short"})
    settings = config.from_env({**env, "AIMI_PASSWORD_SALT": "s" * 32,
                                "AIMI_TOTP_SECRETS": "1=" + "a" * 32 + ",2=" + "b" * 32,
                                "AIMI_SECRET_KEY_FALLBACKS": "old-key-one, old-key-two"})
    assert settings.totp_secrets == {"1": "a" * 32, "2": "b" * 32}
    assert settings.secret_key_fallbacks == ("old-key-one", "old-key-two")


def test_legacy_secrets_prints_what_the_deployment_used_so_far(monkeypatch):
    monkeypatch.setenv("AIMI_SECRET_KEY", "the-current-key")
    result = CliRunner().invoke(main, ["security", "legacy-secrets"])
    assert result.exit_code == 0, result.output
    settings = config.Settings(secret_key="the-current-key")
    assert f"AIMI_PASSWORD_SALT={settings.effective_password_salt}" in result.output
    assert f"AIMI_TOTP_SECRETS=1={settings.effective_totp_secrets['1']}" in result.output


def _wrong_logins(client, world, forwarded_for: str, times: int) -> list[int]:
    return [client.post("/t/alpha/login", json={"email": world.email("alpha", "mentor"),
                                                "password": "wrong-password-1"},
                        headers={"X-Forwarded-For": forwarded_for}).status_code
            for _ in range(times)]


@pytest.mark.usefixtures("restore_world")
def test_one_client_behind_the_proxy_cannot_lock_out_the_others(world):
    app = create_app(world.settings.with_(trusted_proxies=1, login_rate_limit=2))
    client = app.test_client()
    assert _wrong_logins(client, world, "203.0.113.7", 3)[-1] == 429
    assert _wrong_logins(client, world, "198.51.100.9", 1) == [400]  # another student, not locked

    untrusting = create_app(world.settings.with_(login_rate_limit=2)).test_client()
    _wrong_logins(untrusting, world, "203.0.113.7", 2)
    # Without a trusted proxy, a forged header changes nothing.
    assert _wrong_logins(untrusting, world, "1.2.3.4", 1) == [429]


@pytest.mark.usefixtures("restore_world")
def test_audit_entries_name_the_client_behind_the_proxy_not_the_proxy(world):
    def audited_ip(app, forwarded_for: str) -> str | None:
        name = f"proxied {uuid.uuid4().hex[:8]}"
        resp = app.test_client().post("/t/alpha/api/v1/cohorts", json={"name": name},
                                      headers={**admin, "X-Forwarded-For": forwarded_for},
                                      environ_base={"REMOTE_ADDR": "10.0.0.2"})  # the load balancer
        assert resp.status_code == 201, resp.get_data(as_text=True)
        with tenant_scope(world.tenants["alpha"]):
            return tenant_session.scalar(select(AuditLog.ip).where(
                AuditLog.action == "cohort.created", AuditLog.target_id == str(resp.get_json()["id"])))

    admin = {"Authentication-Token": world.token("alpha", "admin")}
    assert audited_ip(create_app(world.settings.with_(trusted_proxies=1)), "203.0.113.50") == "203.0.113.50"
    assert audited_ip(create_app(world.settings), "203.0.113.50") == "10.0.0.2"  # not trusted: forged


@pytest.mark.usefixtures("restore_world")
def test_production_sends_csp_hsts_and_secure_remember_cookies(world):
    settings = world.settings.with_(env="production", testing=False, secret_key="p" * 40,
                                    password_salt=world.settings.effective_password_salt,
                                    totp_secrets=world.settings.effective_totp_secrets)
    client = create_app(settings).test_client()
    page = client.get("/t/alpha/login", base_url="https://localhost")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    resp = client.post("/t/alpha/login", base_url="https://localhost",
                       json={"email": world.email("alpha", "mentor"), "password": PASSWORD, "remember": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    remember = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert remember and "Secure" in remember[0] and "HttpOnly" in remember[0]
