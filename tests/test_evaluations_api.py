"""The try-it API through HTTP: a sample answer is stored, queued, scored (in-process, or
on a real RQ worker over Redis) and its report read back; idempotent retries, roles,
validation and isolation between colleges."""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from job_helpers import SAMPLE, drain, queued_ids, redis_app
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins import evaluations
from aimi.tenants.models import Evaluation, Job, User
from aimi.web.cli import main

API = "/t/alpha/api/v1/evaluations"


def auth(world, role: str, slug: str = "alpha") -> dict:
    return {"Authentication-Token": world.token(slug, role)}


def counts(world, slug: str = "alpha") -> tuple[int, int]:
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        return (session.scalar(select(func.count()).select_from(Evaluation)),
                session.scalar(select(func.count()).select_from(Job)))


def assert_full_report(report: dict) -> None:
    assert 0 <= report["overall"] <= 100 and report["summary"]
    dims = report["dimensions"]
    assert {"content", "structure", "language", "delivery", "tone"} <= set(dims)
    for name, dim in dims.items():
        assert 0 <= dim["score"] <= 100, name
        assert dim["evidence"], f"{name} has no evidence"
        assert isinstance(dim["suggestions"], list), name
    assert any(dim["suggestions"] for dim in dims.values())
    # the filler word of the sample answer is pointed at, with its span in the answer
    assert "Um" in str(dims["delivery"]["evidence"])


def test_in_process_scores_at_once(world):
    client = world.client()
    resp = client.post(API, json=SAMPLE, headers=auth(world, "mentor"))
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "done" and body["job"]["status"] == "done"
    assert body["job"]["attempts"] == 1 and resp.headers["Location"].endswith(body["id"])
    got = client.get(f"{API}/{body['id']}", headers=auth(world, "mentor")).get_json()
    assert got["status"] == "done" and got["request"]["question"] == SAMPLE["question"]
    assert_full_report(got["report"])
    assert got["report"] == body["report"]


def test_redis_worker_scores_the_evaluation(world, redis_url):
    with redis_app(world, redis_url) as app:
        client = app.test_client()
        headers = auth(world, "admin")
        resp = client.post(API, json=SAMPLE, headers=headers)
        assert resp.status_code == 202, resp.get_json()
        body = resp.get_json()
        assert body["status"] == "queued" and body["report"] is None
        rq_id = f"alpha_{body['job']['id']}"
        assert rq_id in queued_ids(redis_url, "scoring")  # the tenant is in the key
        assert client.get(f"{API}/{body['id']}", headers=headers).get_json()["status"] == "queued"
        drain(redis_url)
        got = client.get(f"{API}/{body['id']}", headers=headers).get_json()
        assert got["status"] == "done", got["job"]
        assert_full_report(got["report"])


def test_same_input_gives_the_same_report_on_both_paths(world, redis_url):
    direct = world.client().post(API, json=SAMPLE, headers=auth(world, "mentor")).get_json()
    with redis_app(world, redis_url) as app:
        queued = app.test_client().post(API, json=SAMPLE, headers=auth(world, "mentor")).get_json()
        drain(redis_url)
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Evaluation, queued["id"]).report == direct["report"]


def test_idempotency_key_returns_the_same_evaluation(world):
    key = uuid.uuid4().hex
    mentor = {**auth(world, "mentor"), "Idempotency-Key": key}
    before = counts(world)
    first = world.client().post(API, json=SAMPLE, headers=mentor)
    again = world.client().post(API, json={**SAMPLE, "answer": "A retry."}, headers=mentor)
    assert first.status_code == again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["request"]["answer"] == SAMPLE["answer"]
    assert counts(world) == (before[0] + 1, before[1] + 1)
    # the key is the caller's own: another user with the same key gets a new evaluation
    other = world.client().post(API, json=SAMPLE, headers={**auth(world, "admin"), "Idempotency-Key": key})
    assert other.get_json()["id"] != first.get_json()["id"]
    too_long = world.client().post(API, json=SAMPLE, headers={**mentor, "Idempotency-Key": "k" * 101})
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.get_json()["errors"]


def test_candidates_may_not_use_it(world):
    before = counts(world)
    resp = world.client().post(API, json=SAMPLE, headers=auth(world, "candidate"))
    assert resp.status_code == 403 and resp.get_json()["code"] == 403
    assert world.client().get(API, headers=auth(world, "candidate")).status_code == 403
    assert world.client().post(API, json=SAMPLE).status_code == 401
    assert counts(world) == before


@pytest.mark.parametrize("change, field", [
    ({"answer": None}, "answer"),
    ({"question": "   "}, "question"),
    ({"answer": "x" * 20001}, "answer"),
    ({"keywords": [f"k{i}" for i in range(51)]}, "keywords"),
    ({"rubric": "one point"}, "rubric"),
    ({"reference_answers": [""]}, "reference_answers"),
    ({"type": "casual"}, "type"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(world, change, field):
    before = counts(world)
    payload = {k: v for k, v in {**SAMPLE, **change}.items() if v is not None}
    resp = world.client().post(API, json=payload, headers=auth(world, "admin"))
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["code"] == 422 and field in body["errors"], body
    assert counts(world) == before


def test_mentors_see_their_own_admins_see_all(world):
    mentor, admin = auth(world, "mentor"), auth(world, "admin")
    by_admin = world.client().post(API, json=SAMPLE, headers=admin).get_json()
    by_mentor = world.client().post(API, json=SAMPLE, headers=mentor).get_json()
    listed = world.client().get(API, headers=mentor, query_string={"page_size": 100}).get_json()
    assert by_mentor["id"] in [e["id"] for e in listed]
    assert by_admin["id"] not in [e["id"] for e in listed]
    assert world.client().get(f"{API}/{by_admin['id']}", headers=mentor).status_code == 404
    everything = world.client().get(API, headers=admin, query_string={"page_size": 100})
    rows = everything.get_json()
    assert {by_admin["id"], by_mentor["id"]} <= {e["id"] for e in rows}
    stamps = [e["created_at"] for e in rows]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert "X-Pagination" in everything.headers


def beta_evaluation(world) -> str:
    """An evaluation that exists only in beta, made the way the API makes them."""
    with tenant_scope(world.tenants["beta"]):
        session = tenant_session()
        author = session.scalar(select(User.id).where(User.email == world.email("beta", "admin")))
        evaluation, _created = evaluations.submit(session, {**SAMPLE, "answer": "beta secret"},
                                                  user_id=author)
        session.commit()
        return evaluation.id


@pytest.mark.parametrize("role", ["admin", "mentor"])
def test_other_colleges_ids_are_404_and_their_tokens_401(world, role):
    beta_id = beta_evaluation(world)
    resp = world.client().get(f"{API}/{beta_id}", headers=auth(world, role))
    assert resp.status_code == 404 and "beta secret" not in resp.get_data(as_text=True)
    listed = world.client().get(API, headers=auth(world, role), query_string={"page_size": 100})
    assert beta_id not in [e["id"] for e in listed.get_json()]
    stolen = auth(world, role, slug="alpha")
    assert world.client().get(f"/t/beta/api/v1/evaluations/{beta_id}", headers=stolen).status_code == 401
    assert world.client().post("/t/beta/api/v1/evaluations", json=SAMPLE, headers=stolen).status_code == 401


def test_the_cli_and_the_api_give_the_same_report(world):
    """One scoring path: `aimi evaluate-batch` (no tenant, the defaults) and the try-it API of a
    college that kept the defaults score the same input to the same report."""
    slug = f"same-{uuid.uuid4().hex[:6]}"
    world.new_tenant(slug)
    resp = world.client().post(f"/t/{slug}/api/v1/evaluations", json=SAMPLE,
                               headers=auth(world, "admin", slug))
    assert resp.status_code == 202, resp.get_json()
    api_report = resp.get_json()["report"]
    result = CliRunner().invoke(main, ["evaluate-batch"], input=json.dumps({"id": "s", **SAMPLE}) + "\n",
                                obj=ScriptInfo(create_app=lambda: None))
    assert result.exit_code == 0, result.output
    cli_report = json.loads(result.stdout)
    assert cli_report.pop("id") == "s"
    assert cli_report == api_report
