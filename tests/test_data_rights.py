"""Candidates' data rights through the real pages and jobs: a candidate's export (a zip
built by a job, announced by a notification, downloadable only by them and only for a
week), an admin's erasure (audio, transcripts and texts gone, scores kept anonymous, an
audit entry, nothing half-done after a failure), and isolation between users and colleges."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from helpers import PASSWORD, csrf_token, sign_in, tag
from job_helpers import drain, queued_ids, redis_app, settle
from score_helpers import answer_report, new_user, scored_interview
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import data_export, erasure, recordings
from aimi.tenants.interview_models import InterviewAnswer, MentorReview
from aimi.tenants.models import AuditLog, Job, User
from aimi.tenants.notification_models import Notification
from aimi.tenants.recording_models import Recording, RecordingChunk

AUDIO = b"RIFF....WAVEfmt " + bytes(range(256)) * 4
CHUNK = b"\x1aE\xdf\xa3 webm chunk"


def candidate_with_data(world, slug: str) -> dict:
    """A candidate with a scored interview, a mentor's review and a voice take whose chunk
    and audio are stored through the file hooks. Their words are unique to this test."""
    user_id, address = new_user(world, slug, name=f"Asha {tag()}")
    mentor_id, _ = new_user(world, slug, "mentor")
    words = f"My secret answer {slug} {tag()}"
    report = answer_report({"content": 71.0, "language": 64.0}, missed=["mentions hashing"])
    report["dimensions"]["content"]["evidence"]["quote"] = words
    interview_id = scored_interview(world, slug, user_id, utcnow() - timedelta(days=1), [report])
    with world.app.app_context(), tenant_scope(world.tenants[slug]):
        session = tenant_session()
        answer = session.scalar(select(InterviewAnswer).where(InterviewAnswer.interview_id == interview_id))
        answer.text = words
        session.add(MentorReview(answer_id=answer.id, mentor_id=mentor_id, status="done",
                                 scores={"content": 80.0}, overall=80.0, comment=f"Comment on {words}"))
        take = Recording(answer_id=answer.id, candidate_id=user_id, status="transcribed",
                         content_type="audio/webm", size=len(CHUNK), duration=3.0,
                         transcript={"text": words, "words": []}, speech={"wpm": 140})
        session.add(take)
        session.flush()
        take.chunks.append(RecordingChunk(seq=0, size=len(CHUNK)))
        take.audio_key = recordings.audio_key(take)
        recordings.store_file(session, recordings.chunk_key(take, 0), CHUNK, "audio/webm")
        recordings.store_file(session, take.audio_key, AUDIO, "audio/wav")
        session.commit()
        return {"id": user_id, "email": address, "words": words, "answer_id": answer.id,
                "recording_id": take.id, "keys": [recordings.chunk_key(take, 0), take.audio_key],
                "interview_id": interview_id}


def stored(world, slug: str, key: str) -> bytes | None:
    with world.app.app_context(), tenant_scope(world.tenants[slug]):
        try:
            return recordings.read_file(tenant_session(), key)
        except FileNotFoundError:
            return None


def ask_for_export(client, slug: str) -> None:
    page = client.get(f"/t/{slug}/account/data/")
    assert page.status_code == 200 and "Prepare my data" in page.get_data(as_text=True)
    resp = client.post(f"/t/{slug}/account/data/exports",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def export_job(world, slug: str, user_id: int) -> Job:
    with tenant_scope(world.tenants[slug]):
        job = tenant_session.scalar(select(Job).where(Job.kind == data_export.EXPORT_KIND,
                                                      Job.created_by == user_id))
        tenant_session.expunge_all()
        return job


def export_notification(world, slug: str, user_id: int) -> Notification:
    settle()
    with tenant_scope(world.tenants[slug]):
        row = tenant_session.scalar(select(Notification).where(Notification.user_id == user_id,
                                                               Notification.kind == "data_export"))
        tenant_session.expunge_all()
        return row


@pytest.fixture
def alpha_data(world) -> dict:
    return candidate_with_data(world, "alpha")


def test_a_candidate_exports_everything_and_downloads_it_from_the_notification(world, alpha_data):
    client = sign_in(world, "alpha", alpha_data["email"])
    ask_for_export(client, "alpha")
    job = export_job(world, "alpha", alpha_data["id"])
    assert (job.status, job.queue) == ("done", "default")
    assert re.fullmatch(rf"exports/{alpha_data['id']}/[0-9a-f]{{32}}\.zip", job.result["key"])
    note = export_notification(world, "alpha", alpha_data["id"])
    assert note.title == "Your data export is ready" and note.link == f"/account/data/exports/{job.id}"
    assert note.email_status == "sent"
    inbox = client.get("/t/alpha/notifications/").get_data(as_text=True)
    assert "Your data export is ready" in inbox
    listed = client.get("/t/alpha/account/data/").get_data(as_text=True)
    assert f"/t/alpha/account/data/exports/{job.id}" in listed

    resp = client.get(f"/t/alpha{note.link}")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zipped:
        data = json.loads(zipped.read("data.json"))
        assert zipped.read(f"recordings/{alpha_data['recording_id']}.wav") == AUDIO
    assert data["profile"]["email"] == alpha_data["email"] and data["profile"]["roll_number"] is None
    [interview] = data["interviews"]
    [answer] = interview["answers"]
    assert answer["answer"] == alpha_data["words"]
    assert answer["report"]["dimensions"]["content"]["score"] == 71.0
    assert answer["mentor_reviews"][0]["comment"] == f"Comment on {alpha_data['words']}"
    assert data["recordings"][0]["transcript"]["text"] == alpha_data["words"]


def test_only_that_candidate_can_download_and_only_for_a_week(world, alpha_data):
    owner = sign_in(world, "alpha", alpha_data["email"])
    ask_for_export(owner, "alpha")
    job = export_job(world, "alpha", alpha_data["id"])
    url = f"/account/data/exports/{job.id}"
    other_alpha = sign_in(world, "alpha", new_user(world, "alpha")[1])
    assert other_alpha.get(f"/t/alpha{url}").status_code == 404
    assert "Download zip" not in other_alpha.get("/t/alpha/account/data/").get_data(as_text=True)
    beta = sign_in(world, "beta", new_user(world, "beta")[1])
    assert beta.get(f"/t/beta{url}").status_code == 404
    assert owner.get(f"/t/beta{url}").status_code in (302, 401)  # alpha's session is nobody on beta
    assert world.login("alpha", "admin").get(f"/t/alpha{url}").status_code == 403
    assert owner.get(f"/t/alpha{url}").status_code == 200
    with tenant_scope(world.tenants["alpha"]):
        tenant_session.execute(update(Job).where(Job.id == job.id).values(
            finished_at=utcnow() - timedelta(days=data_export.KEEP_DAYS, minutes=1)))
        tenant_session.commit()
    assert owner.get(f"/t/alpha{url}").status_code == 404
    assert job.id not in owner.get("/t/alpha/account/data/").get_data(as_text=True)


def test_with_redis_the_request_only_queues_and_a_worker_builds_the_zip(world, alpha_data, redis_url):
    with redis_app(world, redis_url) as app:
        drain(redis_url)
        client = app.test_client()
        assert client.post("/t/alpha/login", json={"email": alpha_data["email"],
                                                   "password": PASSWORD}).status_code == 200
        ask_for_export(client, "alpha")
        job = export_job(world, "alpha", alpha_data["id"])
        assert job.status == "queued" and f"alpha_{job.id}" in queued_ids(redis_url, "default")
        assert client.get(f"/t/alpha/account/data/exports/{job.id}").status_code == 404
        with app.app_context():
            drain(redis_url)
        assert export_job(world, "alpha", alpha_data["id"]).status == "done"
        assert client.get(f"/t/alpha/account/data/exports/{job.id}").status_code == 200


def erase_page(admin, slug: str, user_id: int) -> str:
    page = admin.get(f"/t/{slug}/manage/users/{user_id}/erase")
    assert page.status_code == 200, page.get_data(as_text=True)
    return csrf_token(page.get_data(as_text=True))


def snapshot(world, slug: str, data: dict) -> dict:
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        user = session.get(User, data["id"])
        answer = session.get(InterviewAnswer, data["answer_id"])
        take = session.get(Recording, data["recording_id"])
        review = session.scalar(select(MentorReview).where(MentorReview.answer_id == answer.id))
        found = {"email": user.email, "name": user.full_name, "roll": user.roll_number, "active": user.active,
                 "text": answer.text,
                 "overall": answer.overall, "report": answer.report, "transcript": take.transcript,
                 "chunks": len(take.chunks), "review": (review.overall, review.scores, review.comment),
                 "erased": session.scalar(select(AuditLog).where(
                     AuditLog.action == "user.erased", AuditLog.target_id == str(data["id"])))}
        tenant_session.expunge_all()
    found["files"] = [stored(world, slug, key) for key in data["keys"]]  # in a scope of its own
    return found


def test_an_admin_erases_a_candidate_and_only_anonymous_scores_remain(world, alpha_data):
    candidate = sign_in(world, "alpha", alpha_data["email"])
    ask_for_export(candidate, "alpha")
    export_key = export_job(world, "alpha", alpha_data["id"]).result["key"]
    admin = world.login("alpha", "admin")
    user_page = admin.get(f"/t/alpha/manage/users/{alpha_data['id']}").get_data(as_text=True)
    assert f"/t/alpha/manage/users/{alpha_data['id']}/erase" in user_page
    roll = admin.post(f"/t/alpha/manage/users/{alpha_data['id']}/roll-number",
                      data={"csrf_token": csrf_token(user_page), "roll_number": f"ER-{alpha_data['id']}"})
    assert roll.status_code == 302
    token = erase_page(admin, "alpha", alpha_data["id"])
    before = snapshot(world, "alpha", alpha_data)

    wrong = admin.post(f"/t/alpha/manage/users/{alpha_data['id']}/erase",
                       data={"csrf_token": token, "confirm": "someone@else.example"})
    assert wrong.status_code == 422 and alpha_data["email"] in wrong.get_data(as_text=True)
    assert snapshot(world, "alpha", alpha_data) == before

    resp = admin.post(f"/t/alpha/manage/users/{alpha_data['id']}/erase",
                      data={"csrf_token": token, "confirm": alpha_data["email"].upper()})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    after = snapshot(world, "alpha", alpha_data)
    assert (after["email"], after["name"], after["active"]) == (
        erasure.erased_email(alpha_data["id"]), erasure.ERASED_NAME, False)
    assert before["roll"] == f"ER-{alpha_data['id']}" and after["roll"] is None
    assert after["text"] == "" and after["transcript"] is None and after["chunks"] == 0
    assert after["files"] == [None, None] and stored(world, "alpha", export_key) is None
    assert alpha_data["words"] not in json.dumps(after["report"])
    assert after["overall"] == before["overall"]
    assert after["report"]["dimensions"]["content"]["score"] == 71.0
    missed = after["report"]["dimensions"]["content"]["evidence"]["points_missed"]
    assert missed == [{"point": "mentions hashing"}]
    assert after["review"] == (80.0, {"content": 80.0}, "")
    assert after["erased"].actor_email == world.email("alpha", "admin")
    assert after["erased"].details["recordings"] == 1
    with tenant_scope(world.tenants["alpha"]):
        left = tenant_session.scalar(select(Notification).where(Notification.user_id == alpha_data["id"]))
        assert left is None
    assert candidate.get("/t/alpha/account/data/").status_code in (302, 401)  # the session is revoked
    assert world.client().post("/t/alpha/login", json={"email": alpha_data["email"],
                                                       "password": PASSWORD}).status_code != 200
    page = admin.get(f"/t/alpha/manage/users/{alpha_data['id']}").get_data(as_text=True)
    assert "was erased" in page and alpha_data["email"] not in page
    assert admin.get(f"/t/alpha/manage/users/{alpha_data['id']}/erase").get_data(as_text=True).count(
        "erased already") == 1


def test_erasing_alpha_touches_nothing_of_beta(world):
    alpha, beta = candidate_with_data(world, "alpha"), candidate_with_data(world, "beta")
    beta_before = snapshot(world, "beta", beta)
    admin = world.login("alpha", "admin")
    token = erase_page(admin, "alpha", alpha["id"])
    assert admin.post(f"/t/alpha/manage/users/{alpha['id']}/erase",
                      data={"csrf_token": token, "confirm": alpha["email"]}).status_code == 302
    assert snapshot(world, "beta", beta) == beta_before
    assert admin.post(f"/t/beta/manage/users/{beta['id']}/erase",
                      data={"csrf_token": token, "confirm": beta["email"]}).status_code in (302, 401, 400)
    assert snapshot(world, "beta", beta) == beta_before


def test_only_candidates_are_erased_and_never_by_themselves(world):
    admin = world.login("alpha", "admin")
    mentor_id, _ = new_user(world, "alpha", "mentor")
    page = admin.get(f"/t/alpha/manage/users/{mentor_id}/erase")
    assert "Only candidates can be erased" in page.get_data(as_text=True)
    resp = admin.post(f"/t/alpha/manage/users/{mentor_id}/erase",
                      data={"csrf_token": csrf_token(page.get_data(as_text=True)), "confirm": "x"})
    assert resp.status_code == 422 and "Only candidates can be erased" in resp.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(User, mentor_id).active
    candidate = sign_in(world, "alpha", new_user(world, "alpha")[1])
    assert candidate.get(f"/t/alpha/manage/users/{mentor_id}/erase").status_code == 403


def test_a_failure_half_way_leaves_the_candidate_whole(world, alpha_data):
    """The placeholder address is taken (a unique constraint fails at the flush, after the
    recordings and answers were changed in the session): nothing is erased, no file goes."""
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        session.add(User(email=erasure.erased_email(alpha_data["id"]), fs_uniquifier=tag() * 4,
                         full_name="In the way"))
        session.commit()
    before = snapshot(world, "alpha", alpha_data)
    admin = world.login("alpha", "admin")
    token = erase_page(admin, "alpha", alpha_data["id"])
    with pytest.raises(IntegrityError):  # the test app re-raises what a browser sees as a 500
        admin.post(f"/t/alpha/manage/users/{alpha_data['id']}/erase",
                   data={"csrf_token": token, "confirm": alpha_data["email"]})
    assert snapshot(world, "alpha", alpha_data) == before
    assert before["files"] == [CHUNK, AUDIO] and before["erased"] is None


def test_through_the_api_a_candidate_exports_and_downloads_only_their_own(world, alpha_data):
    owner = {"Authentication-Token": sign_in_token(world, "alpha", alpha_data["email"])}
    client = world.client()
    made = client.post("/t/alpha/api/v1/me/exports", headers=owner)
    assert made.status_code == 202, made.get_data(as_text=True)
    job_id = made.get_json()["id"]
    item = client.get(made.headers["Location"], headers=owner).get_json()
    assert item["status"] == "done" and item["expires_at"]  # built in-process without Redis
    assert [e["id"] for e in client.get("/t/alpha/api/v1/me/exports", headers=owner).get_json()] == [job_id]
    download = f"/t/alpha/api/v1/me/exports/{job_id}/download"
    resp = client.get(download, headers=owner)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zipped:
        assert json.loads(zipped.read("data.json"))["profile"]["email"] == alpha_data["email"]

    other = {"Authentication-Token": sign_in_token(world, "alpha", new_user(world, "alpha")[1])}
    assert client.get(download, headers=other).status_code == 404
    assert client.get("/t/alpha/api/v1/me/exports", headers=other).get_json() == []
    admin = {"Authentication-Token": world.token("alpha", "admin")}
    assert client.get(download, headers=admin).status_code == 403
    beta = {"Authentication-Token": sign_in_token(world, "beta", new_user(world, "beta")[1])}
    assert client.get(f"/t/beta/api/v1/me/exports/{job_id}/download", headers=beta).status_code == 404
    assert client.get(f"/t/beta/api/v1/me/exports/{job_id}/download", headers=owner).status_code == 401


def test_through_the_api_an_admin_erases_a_candidate_of_their_college_only(world):
    alpha, beta = candidate_with_data(world, "alpha"), candidate_with_data(world, "beta")
    beta_before = snapshot(world, "beta", beta)
    client = world.client()
    admin = {"Authentication-Token": world.token("alpha", "admin")}
    url = f"/t/alpha/api/v1/users/{alpha['id']}/erasure"
    wrong = client.post(url, headers=admin, json={"confirm_email": "someone@else.example.com"})
    assert wrong.status_code == 422 and list(wrong.get_json()["errors"]) == ["confirm_email"]
    mentor = {"Authentication-Token": world.token("alpha", "mentor")}
    assert client.post(url, headers=mentor, json={"confirm_email": alpha["email"]}).status_code == 403
    assert not erasure.is_erased(user_row(world, "alpha", alpha["id"]))

    done = client.post(url, headers=admin, json={"confirm_email": alpha["email"]})
    assert done.status_code == 200 and done.get_json()["recordings"] == 1
    assert erasure.is_erased(user_row(world, "alpha", alpha["id"]))
    assert all(stored(world, "alpha", key) is None for key in alpha["keys"])
    again = client.post(url, headers=admin, json={"confirm_email": erasure.erased_email(alpha["id"])})
    assert again.status_code == 409

    # alpha's token is nobody at beta; beta's candidate is untouched either way.
    assert client.post(f"/t/beta/api/v1/users/{beta['id']}/erasure", headers=admin,
                       json={"confirm_email": beta["email"]}).status_code == 401
    assert snapshot(world, "beta", beta) == beta_before


def sign_in_token(world, slug: str, email: str) -> str:
    resp = world.client().post(f"/t/{slug}/login?include_auth_token",
                               json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["response"]["user"]["authentication_token"]


def user_row(world, slug: str, user_id: int) -> User:
    with tenant_scope(world.tenants[slug]):
        found = tenant_session.get(User, user_id)
        tenant_session.expunge_all()
        return found
