"""A tenant's scoring weights: validated, saved from the admin page, used by its jobs."""

from __future__ import annotations

import pytest
from helpers import csrf_token

from aimi.evaluators.report import CONTENT_GATE, DEFAULT_WEIGHTS, DIMENSIONS
from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import settings as tenant_settings

SAMPLE = {"question": "What is a hash map?", "type": "technical",
          "answer": "A hash map stores key value pairs and finds a value by hashing its key, "
                    "so lookups take constant time on average.",
          "reference_answers": ["A hash map stores key-value pairs; a hash function picks the "
                                "bucket, giving average constant-time lookup."]}


@pytest.mark.parametrize(("weights", "message"), [
    ({"oral": {"content": 1}}, "unknown interview type"),
    ({"technical": {"charisma": 1}}, "unknown dimension"),
    ({"technical": {"content": -1}}, "content"),
    ({"technical": dict.fromkeys(DIMENSIONS, 0)}, "all zero"),
])
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(tenant_settings.SettingsError) as info:
        tenant_settings.validate({"scoring_weights": weights})
    assert message in info.value.errors["scoring_weights"]


def _reset(world, slug):
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        tenant_settings.save(session, {"scoring_weights": {}})
        session.commit()


def test_admin_page_saves_weights_and_reports_errors(world):
    client = world.login("alpha", "admin")
    page = client.get("/t/alpha/manage/scoring")
    assert page.status_code == 200 and b"Scoring weights" in page.data
    token = csrf_token(page.get_data(as_text=True))
    bad = client.post("/t/alpha/manage/scoring", data={"csrf_token": token, "w-hr-content": "lots"})
    assert bad.status_code == 422 and b"is not a number" in bad.data
    zero = {f"w-hr-{d}": "0" for d in DIMENSIONS}
    refused = client.post("/t/alpha/manage/scoring", data={"csrf_token": token, **zero})
    assert refused.status_code == 422 and b"all zero" in refused.data
    ok = client.post("/t/alpha/manage/scoring",
                     data={"csrf_token": token, "w-technical-content": "1", "w-technical-tone": "0"})
    assert ok.status_code == 302
    try:
        with tenant_scope(world.tenants["alpha"]):
            saved = tenant_settings.load(tenant_session()).scoring_weights
        assert saved == {"technical": {"content": 1.0, "tone": 0.0}}
        with tenant_scope(world.tenants["beta"]):
            assert tenant_settings.load(tenant_session()).scoring_weights == {}
    finally:
        _reset(world, "alpha")


def test_mentors_cannot_change_weights(world):
    assert world.login("alpha", "mentor").get("/t/alpha/manage/scoring").status_code == 403


def test_evaluations_use_the_tenants_weights(world):
    only_content = {"technical": {d: (1.0 if d == "content" else 0.0) for d in DIMENSIONS}}
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        tenant_settings.save(session, {"scoring_weights": only_content})
        session.commit()
    try:
        headers = {"Authentication-Token": world.token("alpha", "admin")}
        created = world.client().post("/t/alpha/api/v1/evaluations", json=SAMPLE, headers=headers)
        assert created.status_code == 202, created.get_json()
        report = world.client().get(f"/t/alpha/api/v1/evaluations/{created.get_json()['id']}",
                                    headers=headers).get_json()["report"]
        assert report["overall"] == report["dimensions"]["content"]["score"]
        other = world.client().post("/t/beta/api/v1/evaluations", json=SAMPLE,
                                    headers={"Authentication-Token": world.token("beta", "admin")})
        beta_report = world.client().get(
            f"/t/beta/api/v1/evaluations/{other.get_json()['id']}",
            headers={"Authentication-Token": world.token("beta", "admin")}).get_json()["report"]
        weights = DEFAULT_WEIGHTS["technical"]
        gate = min(1.0, beta_report["dimensions"]["content"]["score"] / CONTENT_GATE)
        expected = sum(weights[d] * beta_report["dimensions"][d]["score"] * (1 if d == "content" else gate)
                       for d in DIMENSIONS)
        assert beta_report["overall"] == pytest.approx(expected / sum(weights.values()), abs=0.15)
    finally:
        _reset(world, "alpha")
