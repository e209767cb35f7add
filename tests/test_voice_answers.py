"""Voice answers through HTTP, the whole path: consent, chunked upload of a browser-style
WebM/Opus recording of real (espeak-ng) speech, normalisation, transcription by the default
(whisper) provider, delivery analysis, the candidate's correction, scoring and the report; then the bad
inputs, a closed tab, silent audio, deletion, retention and isolation between users and
colleges. Jobs run in-process (the world has no Redis)."""

from __future__ import annotations

import io
import re
import uuid
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from google_speech_server import local_google, words_response
from helpers import csrf_token
from speech_helpers import concat, encode, say, silence
from sqlalchemy import select, update
from test_interviews import (  # noqa: F401  (questions, only_test_questions: fixtures)
    BASE,
    add_questions,
    current,
    new_candidate,
    only_test_questions,
    questions,
    show,
    start,
    submit,
)

from aimi.evaluators import audio as codec
from aimi.evaluators import speech_windows
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins import settings as plugin_settings
from aimi.tenants import recordings
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.models import Job
from aimi.tenants.recording_models import Recording

SPOKEN = ("Um, a hash table keeps keys and values in buckets. Uh, a hash function picks the bucket "
          "for each key, so a lookup is fast, and collisions go into a chain.")
VOICE, WPM = "en-us+klatt4", 150
CHUNK = 8_000  # bytes per upload, about a second of Opus as MediaRecorder sends it


def said(text: str) -> list[str]:
    """The words of a transcript without the punctuation around them."""
    return [word for token in text.split() if (word := re.sub(r"^[^\w']+|[^\w']+$", "", token))]


@pytest.fixture(scope="module")
def webm(tmp_path_factory) -> bytes:
    """A spoken answer with a long pause in it, as Chrome records it (live WebM/Opus)."""
    folder = tmp_path_factory.mktemp("voice")
    first = say(SPOKEN[:60], folder / "a.wav", wpm=WPM, voice=VOICE)
    rest = say(SPOKEN[60:], folder / "b.wav", wpm=WPM, voice=VOICE)
    joined = concat([first, silence(3.5, folder / "gap.wav"), rest], folder / "answer.wav")
    return encode(joined, "webm", "libopus", live=True)


@pytest.fixture(scope="module")
def long_webm(tmp_path_factory) -> bytes:
    """The answer said twice with pauses (about 35 s): long enough for a window while recording."""
    folder = tmp_path_factory.mktemp("long")
    first = say(SPOKEN, folder / "a.wav", wpm=WPM, voice=VOICE)
    second = say("Then the table grows when it fills up, and every key moves to a new bucket.",
                 folder / "b.wav", wpm=WPM, voice=VOICE)
    gap = silence(1.5, folder / "gap.wav")
    joined = concat([first, gap, first, gap, second], folder / "answer.wav")
    return encode(joined, "webm", "libopus", live=True)


@pytest.fixture(scope="module")
def silent_webm(tmp_path_factory) -> bytes:
    return encode(silence(4, tmp_path_factory.mktemp("silent") / "s.wav"), "webm", "libopus", live=True)


class Voice:
    """A candidate with an interview open, talking to the recorder's endpoints like recorder.js."""

    def __init__(self, world, slug: str = "alpha"):
        add_questions(world, slug)
        self.world, self.slug = world, slug
        self.client = new_candidate(world, slug)
        self.interview = start(self.client, slug, num_questions="1")
        self.html, self.token = show(self.client, self.interview, slug)
        self.base = f"{BASE.format(slug=slug)}/{self.interview}/answers/1/recordings"

    def post(self, url: str, **kwargs):
        headers = {"X-CSRFToken": self.token, "Accept": "application/json"}
        return self.client.post(url, headers=headers, **kwargs)

    def consent(self):
        resp = self.client.post(f"/t/{self.slug}/recordings/consent",
                                data={"csrf_token": self.token, "next": f"/t/{self.slug}/recordings/"})
        assert resp.status_code == 302
        self.html, self.token = show(self.client, self.interview, self.slug)

    def begin(self, content_type: str = "audio/webm;codecs=opus"):
        return self.post(self.base, json={"content_type": content_type})

    def send(self, take: dict, data: bytes, skip: tuple[int, ...] = ()) -> int:
        pieces = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
        for seq, piece in enumerate(pieces):
            if seq not in skip:
                resp = self.post(take["chunk_base"] + str(seq), data=piece,
                                 content_type="audio/webm;codecs=opus")
                assert resp.status_code == 200, resp.get_data(as_text=True)
        return len(pieces)

    def record(self, data: bytes) -> dict:
        take = self.begin().get_json()
        count = self.send(take, data)
        resp = self.post(take["finish_url"], json={"chunks": count})
        assert resp.status_code == 202, resp.get_data(as_text=True)
        return self.client.get(take["status_url"]).get_json() | {"urls": take}


def _stored(world, slug: str, recording_id: int) -> Recording:
    with tenant_scope(world.tenants[slug]):
        recording = tenant_session().get(Recording, recording_id)
        tenant_session().expunge(recording)
        return recording


@pytest.mark.usefixtures("only_test_questions")  # the hash-table question is the one asked
def test_a_spoken_answer_goes_from_upload_to_report(world, webm):
    voice = Voice(world)
    assert "I agree: let me record" in voice.html  # consent is asked first
    refused = voice.begin()
    assert refused.status_code == 403 and "recording policy" in refused.get_json()["message"]
    voice.consent()
    assert 'id="iv-recorder"' in voice.html and "recorder.js" in voice.html

    state = voice.record(webm)
    assert state["status"] == "transcribed", state
    heard = state["transcript"]
    topical = {"hash", "table", "keys", "values", "bucket", "buckets", "collision", "collisions", "chain"}
    assert len(topical & {word.lower() for word in said(heard)}) >= 6, heard
    question = current(voice.world, voice.interview)
    assert question["text"] == heard  # the transcript waits in the answer box, saved as a draft

    stored = _stored(voice.world, "alpha", state["id"])
    speech = stored.speech
    assert stored.duration == pytest.approx(len(SPOKEN.split()) / WPM * 60 + 3.5, abs=3)
    assert speech["pause_count"] >= 1 and speech["longest_pause"] >= 2.5
    assert any(f["kind"].startswith("pause") or "pause" in f["kind"] for f in speech["findings"])
    assert [w["word"] for w in stored.transcript["words"]] == said(heard)
    assert stored.provider == "whisper"  # every college's default

    audio = voice.client.get(state["audio_url"])
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    with wave.open(io.BytesIO(audio.data)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (16000, 1)
    partial = voice.client.get(state["audio_url"], headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and len(partial.data) == 100  # the player can seek

    corrected = heard + " Collisions are resolved by chaining."  # the candidate's correction
    resp = submit(voice.client, voice.interview, 1, corrected, voice.token)
    assert resp.status_code == 302
    report = voice.client.get(f"{BASE.format(slug='alpha')}/{voice.interview}/report")
    assert report.status_code == 200, report.get_data(as_text=True)
    page = report.get_data(as_text=True)
    assert state["audio_url"] in page and "data-seek=" in page and "words a minute" in page
    review = world.login("alpha", "admin").get(f"/t/alpha/review/answers/{question['id']}")
    assert review.status_code == 200 and "The candidate&#39;s recording" in review.get_data(as_text=True)
    assert state["audio_url"] in review.get_data(as_text=True)  # staff hear it beside the AI's report
    with tenant_scope(voice.world.tenants["alpha"]):
        answer = tenant_session().get(InterviewAnswer, question["id"])
        delivery = answer.report["dimensions"]["delivery"]
        assert answer.text == corrected  # content is scored on the corrected text
        assert delivery["evidence"]["speech"]["wpm"] == speech["wpm"]  # delivery on the audio


def test_missing_chunks_are_named_and_a_closed_tab_keeps_what_arrived(world, webm):
    voice = Voice(world)
    voice.consent()
    take = voice.begin().get_json()
    count = voice.send(take, webm, skip=(2,))
    missing = voice.post(take["finish_url"], json={"chunks": count})
    assert missing.status_code == 409 and "Chunks 2 have not arrived" in missing.get_json()["message"]
    resent = voice.post(take["chunk_base"] + "2", data=webm[2 * CHUNK:3 * CHUNK])
    assert resent.status_code == 200
    assert voice.post(take["finish_url"], json={"chunks": count}).status_code == 202

    # A tab closed after four chunks: back on the page, the take is offered, and finishing
    # without a count uses the chunks that arrived in order.
    voice2 = Voice(world)
    voice2.consent()
    take = voice2.begin().get_json()
    voice2.send(take, webm[:4 * CHUNK])
    html, _token = show(voice2.client, voice2.interview)
    assert "&#34;status&#34;: &#34;recording&#34;" in html and "&#34;chunks&#34;: 4" in html
    state = voice2.post(take["finish_url"], json={}).get_json()
    assert state["status"] == "transcribed", state
    assert _stored(world, "alpha", take["id"]).size == 4 * CHUNK


def test_bad_uploads_get_clear_errors(world, silent_webm):
    voice = Voice(world)
    voice.consent()
    wrong = voice.begin("text/plain")
    assert wrong.status_code == 422 and "not an audio format" in wrong.get_json()["message"]
    take = voice.begin().get_json()
    empty = voice.post(take["chunk_base"] + "0", data=b"")
    assert empty.status_code == 422 and "empty" in empty.get_json()["message"]
    huge = voice.post(take["chunk_base"] + "0", data=b"x" * (4 * 1024 * 1024 + 1))
    assert huge.status_code == 413
    nothing = voice.post(take["finish_url"], json={})
    assert nothing.status_code == 422 and "Nothing of this recording arrived" in nothing.get_json()["message"]

    # Silent audio: the take fails with a message the candidate can act on; the upload stays.
    state = voice.record(silent_webm)
    assert state["status"] == "failed" and "could not hear" in state["error"].lower(), state
    stored = _stored(world, "alpha", state["id"])
    assert stored.error_code == "silent" and stored.size == len(silent_webm)
    files = Path(world.settings.instance_path) / "files" / "alpha" / "recordings" / str(state["id"])
    assert sorted(p.name for p in files.iterdir())[0] == "chunk-00000"
    late = voice.post(state["urls"]["chunk_base"] + "99", data=b"more")
    assert late.status_code == 409 and "already finished" in late.get_json()["message"]

    # Text bytes passed off as audio: refused by the decoder, not by the content type.
    junk = voice.record(b"this is not audio at all " * 50)
    assert junk["status"] == "failed" and _stored(world, "alpha", junk["id"]).error_code == "type"


@pytest.mark.usefixtures("only_test_questions")
def test_the_take_is_transcribed_window_by_window_while_it_arrives(world, long_webm):
    """Every second chunk the take past the last cut is transcribed up to its last pause; the
    recorder gets those words back (live captions) and after Stop only the rest is left to do.
    Each window's audio is kept in the college's storage until then, and the final audio is the
    windows' audio plus the rest. A window that finishes after Stop does not touch the final
    transcript."""
    voice = Voice(world)
    voice.consent()
    with tenant_scope(world.tenants["alpha"]):  # a 35 s take, uploaded slowly on a busy machine
        tenant_session().execute(update(InterviewAnswer)
                                 .where(InterviewAnswer.interview_id == voice.interview)
                                 .values(time_limit_seconds=900))
        tenant_session().commit()
    take = voice.begin().get_json()
    pieces = [long_webm[i:i + CHUNK] for i in range(0, len(long_webm), CHUNK)]
    assert len(pieces) >= 30
    partials = []
    for seq, piece in enumerate(pieces):
        resp = voice.post(take["chunk_base"] + str(seq), data=piece, content_type="audio/webm;codecs=opus")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        partials.append(resp.get_json()["partial"])
    first = int(speech_windows.MIN_WINDOW_SECONDS) - 1
    assert not any(partials[:first])  # nothing before the first window
    heard_early = next(text for text in partials if text)
    assert {"hash", "table"} <= {word.lower() for word in said(heard_early)}, partials
    recording = voice.client.get(take["status_url"]).get_json()
    assert recording["status"] == "recording" and recording["partial"] == partials[-1]
    with tenant_scope(world.tenants["alpha"]):
        windows = tenant_session().scalars(select(Job).where(Job.kind == "transcribe_window",
                                                             Job.payload["recording_id"].as_integer()
                                                             == take["id"])).all()
        assert len(windows) == len(pieces) // recordings.WINDOW_CHUNKS
        assert all(job.status == "done" for job in windows)
        partial = tenant_session().get(Recording, take["id"]).transcript["partial"]
    cut, spans = partial["cut"], partial["windows"]
    assert speech_windows.MIN_WINDOW_SECONDS <= cut < len(pieces) and len(spans) >= 1
    assert [a for a, _ in spans] == [0, *(b for _, b in spans[:-1])] and spans[-1][1] == cut
    folder = Path(world.settings.instance_path) / "files" / "alpha" / "recordings" / str(take["id"])
    kept = sorted(p.name for p in folder.glob("window-*.wav"))
    assert kept == [f"window-{round(a * 1000):08d}.wav" for a, _ in spans]

    resp = voice.post(take["finish_url"], json={"chunks": len(pieces)})
    assert resp.status_code == 202
    state = voice.client.get(take["status_url"]).get_json()
    assert state["status"] == "transcribed" and state["partial"] == ""
    assert state["transcript"].startswith(partials[-1])  # the windows' words are kept as heard
    assert len(said(state["transcript"])) > len(said(partials[-1]))  # and the tail after the cut
    stored = _stored(world, "alpha", take["id"])
    assert [w["word"] for w in stored.transcript["words"]] == said(state["transcript"])
    assert not list(folder.glob("window-*.wav"))  # audio.wav holds the take now
    assert abs(stored.duration - codec.decode(long_webm).duration) < 0.02
    assert all(w["start"] >= cut - 0.5 for w in stored.transcript["words"][len(said(partials[-1])):])

    late = jobs.enqueue("transcribe_window", {"recording_id": take["id"]}, tenant=world.tenants["alpha"])
    assert late.status == "done" and late.result["window"] is None
    elsewhere = jobs.enqueue("transcribe_window", {"recording_id": take["id"]}, tenant=world.tenants["beta"])
    assert elsewhere.status == "done" and elsewhere.result["window"] is None  # beta's schema, not alpha's
    assert _stored(world, "alpha", take["id"]).transcript == stored.transcript


def test_submitting_waits_for_the_transcript(world, webm):
    voice = Voice(world)
    voice.consent()
    take = voice.begin().get_json()
    voice.send(take, webm)
    with tenant_scope(world.tenants["alpha"]):  # as if the worker had not got to it yet
        tenant_session().execute(update(Recording).where(Recording.id == take["id"])
                                 .values(status="processing"))
        tenant_session().commit()
    resp = submit(voice.client, voice.interview, 1, "my answer", voice.token)
    assert resp.status_code == 409 and "still being turned into text" in resp.get_data(as_text=True)


def test_record_again_discards_the_earlier_take(world, webm):
    voice = Voice(world)
    voice.consent()
    first = voice.record(webm)
    again = voice.post(first["urls"]["discard_url"], json={})
    assert again.status_code == 200
    assert voice.client.get(first["urls"]["status_url"]).status_code == 404
    folder = Path(world.settings.instance_path) / "files" / "alpha" / "recordings" / str(first["id"])
    assert not any(folder.iterdir())  # the discarded take's audio is gone


def test_consent_is_asked_again_when_the_policy_changes(world):
    voice = Voice(world)
    voice.consent()
    assert voice.begin().status_code == 201
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        before = tenant_settings.load(session).recording_policy
        tenant_settings.save(session, {"recording_policy": before + " Recordings also serve research."})
        session.commit()
    try:
        assert voice.begin().status_code == 403
    finally:
        with tenant_scope(world.tenants["alpha"]):
            tenant_settings.save(tenant_session(), {"recording_policy": before})
            tenant_session().commit()


def test_candidates_delete_audio_and_retention_purges_it(world, webm):
    voice = Voice(world)
    voice.consent()
    state = voice.record(webm)
    mine = voice.client.get("/t/alpha/recordings/")
    assert mine.status_code == 200 and "Delete audio" in mine.get_data(as_text=True)
    resp = voice.client.post(f"/t/alpha/recordings/{state['id']}/delete",
                             data={"csrf_token": csrf_token(mine.get_data(as_text=True))})
    assert resp.status_code == 302
    assert voice.client.get(state["audio_url"]).status_code == 404
    kept = _stored(world, "alpha", state["id"])
    assert kept.audio_deleted_at is not None and kept.transcript["text"] == state["transcript"]

    old = Voice(world)
    old.consent()
    aged = old.record(webm)
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        days = tenant_settings.load(session).audio_retention_days
        session.execute(update(Recording).where(Recording.id == aged["id"])
                        .values(created_at=utcnow() - timedelta(days=days + 1)))
        session.commit()
    from aimi.web.cli import main

    result = CliRunner().invoke(main, ["recordings", "purge-audio", "--tenant", "alpha"],
                                obj=_script_info(world))
    assert result.exit_code == 0, result.output
    assert "deleted the audio of 1 recording older than" in result.output
    assert old.client.get(aged["audio_url"]).status_code == 404
    assert _stored(world, "alpha", aged["id"]).speech  # the analysis stays


def _script_info(world):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: world.app)


def test_recordings_stay_with_their_candidate_and_college(world, webm):
    voice = Voice(world)
    voice.consent()
    state = voice.record(webm)
    audio, status = state["audio_url"], state["urls"]["status_url"]

    other = new_candidate(world, "alpha")  # another candidate of the same college
    assert other.get(audio).status_code == 404
    assert other.get(status).status_code == 404
    mine = other.get("/t/alpha/recordings/").get_data(as_text=True)
    assert f"/recordings/{state['id']}/audio" not in mine
    token = csrf_token(mine)
    deleted = other.post(f"/t/alpha/recordings/{state['id']}/delete", data={"csrf_token": token})
    assert deleted.status_code == 404

    mentor = world.login("alpha", "mentor")  # not this candidate's mentor
    assert mentor.get(audio).status_code == 404
    admin = world.login("alpha", "admin")  # admins read every report of their college
    assert admin.get(audio).status_code == 200

    beta = world.login("beta", "candidate")  # the same numbers at another college
    assert beta.get(audio.replace("/t/alpha/", "/t/beta/")).status_code == 404
    assert world.login("beta", "admin").get(audio.replace("/t/alpha/", "/t/beta/")).status_code == 404
    assert beta.get(audio).status_code in (302, 401, 404)  # alpha's portal does not know beta's user

    stored = Path(world.settings.instance_path) / "files"
    assert (stored / "alpha" / "recordings" / str(state["id"]) / "audio.wav").is_file()
    assert not (stored / "beta" / "recordings" / str(state["id"])).exists()


def test_a_college_that_chose_google_gets_its_transcript_from_google(world, webm):
    """Through the settings a tenant admin uses: the google plugin's key and endpoint, then
    speech provider and language; the voice answer's request carries the tenant's language
    and the question's words as phrases."""
    slug = f"gsp-{uuid.uuid4().hex[:6]}"
    ref = world.tenants[slug] = world.new_tenant(slug)
    with local_google(lambda request: words_response(
            [("a", 0.2, 0.3), ("hash", 0.3, 0.7), ("table", 0.7, 1.1), ("um", 1.2, 1.5)])) as google:
        with tenant_scope(ref):
            session = tenant_session()
            plugin_settings.save(session, "google", True, google.options)
            tenant_settings.save(session, {"speech_provider": "google", "speech_language": "en-IN"})
            session.commit()
        voice = Voice(world, slug)
        voice.consent()
        state = voice.record(webm)
        assert state["status"] == "transcribed", state
        assert state["transcript"] == "a hash table um"
        (received,) = google.speech.requests
        config = received.request.config
        assert config.language_code == "en-IN" and config.sample_rate_hertz == 16000
        answer_id = current(world, voice.interview, slug)["id"]
        with tenant_scope(ref):
            keywords = set(tenant_session().get(InterviewAnswer, answer_id).question.keywords)
        phrases = {p for context in config.speech_contexts for p in context.phrases}
        assert keywords and keywords <= phrases  # biased toward the question's words
        stored = _stored(world, slug, state["id"])
        assert stored.provider == "google" and stored.speech["fillers"][0]["word"] == "um"
