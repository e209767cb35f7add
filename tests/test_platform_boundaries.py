"""Tenant settings never reach the host: storage roots and service endpoints are platform
configuration, a Google key may only talk to the token endpoint the platform allows, and the
built-in storage cannot be switched off while a college's files depend on it."""

from __future__ import annotations

import json
import uuid

import pytest
from google_speech_server import local_google, new_private_key, platform_google, service_account_key
from helpers import csrf_token
from test_voice_answers import CHUNK, Voice

from aimi.integrations import google
from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins import settings as plugin_settings
from aimi.plugins.types import OptionsError


@pytest.mark.parametrize("plugin, option, value", [
    ("local_files", "root", "/etc"),
    ("google", "endpoint", "169.254.169.254:80"),
])
def test_tenants_cannot_set_storage_roots_or_service_endpoints(world, plugin, option, value):
    slug = f"host-{uuid.uuid4().hex[:6]}"
    ref = world.new_tenant(slug)
    with tenant_scope(ref), pytest.raises(OptionsError) as refused:
        plugin_settings.save(tenant_session(), plugin, None, {option: value})
    assert "unknown option" in refused.value.errors[option]
    page = world.login(slug, "admin").get(f"/t/{slug}/manage/plugins/{plugin}")
    assert page.status_code == 200 and f"option_{option}" not in page.get_data(as_text=True)


def test_a_google_key_may_not_name_its_own_token_endpoint(monkeypatch):
    key = service_account_key(new_private_key(), "http://169.254.169.254/token")
    with pytest.raises(ValueError, match="token_uri"):
        google.credentials({"credentials_json": json.dumps(key)})
    monkeypatch.setenv("AIMI_GOOGLE_TOKEN_URI", "http://169.254.169.254/token")
    assert google.credentials({"credentials_json": json.dumps(key)}) is not None


def test_the_speech_endpoint_comes_from_the_platform():
    with local_google() as google_, platform_google("eu-speech.googleapis.com", google_.token.token_uri):
        assert "endpoint" not in google_.options
        assert google.speech_client(google_.options).api_endpoint == "eu-speech.googleapis.com"


def test_built_in_storage_stays_on_while_files_depend_on_it(world):
    voice = Voice(world)
    voice.consent()
    take = voice.begin().get_json()
    voice.send(take, b"\x1a\x45\xdf\xa3" + bytes(CHUNK))  # one stored chunk is enough
    admin = world.login("alpha", "admin")
    url = "/t/alpha/manage/plugins/local_files"
    token = csrf_token(admin.get(url).get_data(as_text=True))
    resp = admin.post(f"{url}/toggle", data={"csrf_token": token, "enabled": "0"})
    assert resp.status_code == 302
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "stored files depend on it" in page.replace("&#39;", "'")
    with tenant_scope(world.tenants["alpha"]):
        assert plugin_settings.load(tenant_session())["local_files"].enabled
    audio = voice.client.get(take["chunk_base"] + "0")
    assert audio.status_code != 500
