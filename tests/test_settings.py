"""Tenant settings are validated as a whole, every problem named."""

from __future__ import annotations

import pytest

from aimi.platform.config import ConfigError, Settings, from_env
from aimi.platform.timeutil import format_local
from aimi.tenants.settings import SettingsError, TenantSettings, validate


def test_defaults_are_valid():
    assert validate({}) == TenantSettings()


def test_every_bad_field_is_reported():
    with pytest.raises(SettingsError) as info:
        validate({"primary_color": "blue", "timezone": "Mars/Base", "registration_policy": "x",
                  "logo_url": "javascript:alert(1)", "nonsense": 1})
    assert set(info.value.errors) == {"primary_color", "timezone", "registration_policy",
                                      "logo_url", "nonsense"}


def test_policy_needs_its_details():
    with pytest.raises(SettingsError) as info:
        validate({"registration_policy": "invite_code", "invite_code": "abc"})
    assert "invite_code" in info.value.errors
    with pytest.raises(SettingsError) as info:
        validate({"registration_policy": "email_domain"})
    assert "allowed_email_domains" in info.value.errors
    ok = validate({"registration_policy": "email_domain",
                   "allowed_email_domains": "@College.edu, iit.ac.in"})
    assert ok.allowed_email_domains == ["college.edu", "iit.ac.in"]
    assert ok.email_allowed("a@college.edu") and not ok.email_allowed("a@gmail.com")


def test_times_are_shown_in_the_tenant_zone():
    from datetime import datetime

    assert format_local(datetime(2026, 1, 1, 12, 0), "Asia/Kolkata", "%H:%M") == "17:30"


def test_production_refuses_the_default_secret():
    with pytest.raises(ConfigError, match="AIMI_SECRET_KEY"):
        Settings(env="production").validate()
    with pytest.raises(ConfigError, match="AIMI_SECRET_KEY"):
        from_env({"AIMI_ENV": "production"})
    ok = from_env({"AIMI_ENV": "production", "AIMI_SECRET_KEY": "x" * 40,
                   "AIMI_PASSWORD_SALT": "s" * 32, "AIMI_TOTP_SECRETS": "1=" + "t" * 32})
    assert ok.two_factor_required


def test_bad_environment_values_are_clear_errors():
    with pytest.raises(ConfigError, match="AIMI_ENV"):
        from_env({"AIMI_ENV": "prod"})
    with pytest.raises(ConfigError, match="AIMI_LOGIN_RATE_LIMIT"):
        from_env({"AIMI_LOGIN_RATE_LIMIT": "lots"})
    with pytest.raises(ConfigError, match="name=url"):
        from_env({"AIMI_DB_SERVERS": "nourl"})
