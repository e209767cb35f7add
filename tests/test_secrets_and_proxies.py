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
from aimi.web.cli import main

NEW_KEY = "rotated-secret-key-after-a-leak-0123456789"


def rotation(settings: config.Settings) -> dict:
    """The rotation the README describes: salt and TOTP keys pinned, the old key a fallback."""
    return {"secret_key": NEW_KEY, "secret_key_fallbacks": (settings.secret_key,),
            "password_salt": settings.effective_password_salt,
            "totp_secrets": settings.effective_totp_secrets}


def test_rotating_the_secret_key_keeps_passwords_enrolments_and_sessions(world, other_app):
    ref = fresh_tenant(world, "rot")
    base = f"/t/{ref.slug}"
    admin = world.email(ref.slug, "admin")
    before = world.client()
    assert login(before, ref, admin).status_code == 200
    b32key = enrol_totp(before, base)
    cookie = next(c for c in before._cookies.values() if c.key.startswith("aimi_"))

    app = other_app(**rotation(world.settings))
    still = app.test_client()
    still.set_cookie(cookie.key, cookie.value, path=cookie.path)
    assert still.get(f"{base}/dashboard").status_code == 200  # the open session survives

    again = app.test_client()
    first = login(again, ref, admin)
    assert first.status_code == 200 and first.get_json()["response"]["tf_required"] is True
    assert again.post(f"{base}/tf-validate", json={"code": current_code(b32key)}).status_code == 200
    assert again.get(f"{base}/dashboard").status_code == 200

    careless = other_app(secret_key=NEW_KEY).test_client()
    assert login(careless, ref, admin).status_code == 400  # why the salt needs its own setting


def test_production_needs_its_own_salt_and_totp_keys():
    env = {"AIMI_ENV": "production", "AIMI_SECRET_KEY": "k" * 40}
    with pytest.raises(config.ConfigError, match="AIMI_PASSWORD_SALT and AIMI_TOTP_SECRETS"):
        config.from_env(env)
    with pytest.raises(config.ConfigError, match="AIMI_TOTP_SECRETS entries"):
        config.from_env({**env, "AIMI_PASSWORD_SALT": "s" * 32, "AIMI_TOTP_SECRETS": "one=short"})
    with pytest.raises(config.ConfigError, match="fast_password_hashing is for tests"):
        config.Settings(env="production", secret_key="k" * 40, password_salt="s" * 32,
                        totp_secrets={"1": "a" * 32}, fast_password_hashing=True).validate()
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


def test_one_client_behind_the_proxy_cannot_lock_out_the_others(world, other_app):
    app = other_app(trusted_proxies=1, login_rate_limit=2)
    client = app.test_client()
    assert _wrong_logins(client, world, "203.0.113.7", 3)[-1] == 429
    assert _wrong_logins(client, world, "198.51.100.9", 1) == [400]  # another student, not locked

    untrusting = other_app(login_rate_limit=2).test_client()
    _wrong_logins(untrusting, world, "203.0.113.7", 2)
    # Without a trusted proxy, a forged header changes nothing.
    assert _wrong_logins(untrusting, world, "1.2.3.4", 1) == [429]


def test_audit_entries_name_the_client_behind_the_proxy_not_the_proxy(world, other_app):
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
    assert audited_ip(other_app(trusted_proxies=1), "203.0.113.50") == "203.0.113.50"
    assert audited_ip(world.app, "203.0.113.50") == "10.0.0.2"  # not trusted: forged


def test_production_sends_csp_hsts_and_secure_remember_cookies(world, other_app):
    client = other_app(env="production", testing=False, fast_password_hashing=False, secret_key="p" * 40,
                       password_salt=world.settings.effective_password_salt,
                       totp_secrets=world.settings.effective_totp_secrets).test_client()
    page = client.get("/t/alpha/login", base_url="https://localhost")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    resp = client.post("/t/alpha/login", base_url="https://localhost",
                       json={"email": world.email("alpha", "mentor"), "password": PASSWORD, "remember": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    remember = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert remember and "Secure" in remember[0] and "HttpOnly" in remember[0]
