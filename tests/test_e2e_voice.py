"""End to end in Debian's Chromium with a fake microphone that plays espeak-ng speech: a
candidate accepts the recording policy, records a voice answer (MediaRecorder, chunked
upload), corrects a word of the transcript, submits, and reads a report with the recording,
its pace and its filler findings.

Chromium's ``--use-file-for-fake-audio-capture`` feeds the WAV to getUserMedia as if it were
the microphone. SQLite world only, like tests/test_e2e.py."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_helpers import in_tenant, launch_chromium, live_server, new_page, open_nav, sign_in
from playwright.sync_api import Browser, expect
from score_helpers import new_user
from services import need_service
from speech_helpers import say
from sqlalchemy import select
from test_interviews import only_test_questions, questions  # noqa: F401  (fixtures)

from aimi.tenants.interview_models import Interview, InterviewAnswer
from aimi.tenants.recording_models import Recording

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
# Fast and full of fillers: the report must say so.
SPOKEN = ("Um, a hash table stores keys and values in buckets. Uh, the hash function picks a bucket, "
          "um, so a lookup takes constant time. Uh, collisions are handled by chaining, um, or open "
          "addressing, uh, and the table grows when it fills up.")


@pytest.fixture(scope="module")
def microphone(tmp_path_factory) -> Path:
    # Said twice (about 27 s): long enough for a window to be transcribed while recording.
    folder = tmp_path_factory.mktemp("mic")
    return say(f"{SPOKEN} {SPOKEN}", folder / "answer.wav", wpm=200, voice="en-us+klatt4")


@pytest.fixture(scope="module")
def browser(microphone, playwright_driver) -> Iterator[Browser]:
    launched: list[Browser] = []
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}%noloop"]
    try:
        need_service("chromium", lambda: launched.append(launch_chromium(playwright_driver, extra_args=args)))
        yield launched[0]
    finally:
        for item in launched:
            item.close()


@pytest.fixture(scope="module")
def base_url(world) -> Iterator[str]:
    with live_server(world.app) as url:
        yield url


@pytest.mark.usefixtures("only_test_questions")  # the hash-table question is the one asked
def test_candidate_answers_by_voice_corrects_the_transcript_and_reads_the_report(world, browser, base_url,
                                                                               microphone, tmp_path):
    user_id, address = new_user(world, "alpha")
    ref = world.tenants["alpha"]
    page = new_page(browser, base_url)
    page.context.grant_permissions(["microphone"])
    try:
        sign_in(page, "alpha", address)
        open_nav(page, "Practice")
        page.get_by_label("Job role").select_option("software-engineer")
        page.get_by_label("Technical", exact=True).check()
        page.get_by_label("Easy", exact=True).check()
        page.get_by_label("Number of questions").fill("1")
        page.get_by_role("button", name="Start the interview").click()
        expect(page.get_by_role("heading", name="Question 1 of 1")).to_be_visible()

        page.get_by_role("button", name="I agree: let me record").click()
        expect(page.get_by_role("button", name="Record")).to_be_visible()
        page.get_by_role("button", name="Record").click()
        expect(page.get_by_role("button", name="Stop")).to_be_focused()  # the keyboard follows
        # The level meter moves while the fake microphone speaks.
        # Polled from the test: wait_for_function compiles its text in the page, which the CSP forbids.
        level, deadline = page.locator("#iv-level"), time.monotonic() + 10
        while level.evaluate("meter => meter.value") <= 0.05:
            assert time.monotonic() < deadline, "the level meter never moved"
            page.wait_for_timeout(100)
        captions = page.locator("#iv-captions")  # the words so far, while still recording
        expect(captions).to_be_visible(timeout=90_000)  # a window lands 25-30 s in, later under load
        expect(captions).to_have_attribute("aria-live", "polite")
        expect(captions).to_contain_text(re.compile(r"hash|table", re.I))
        expect(page.locator("#iv-elapsed")).to_have_text(re.compile(r"^(0:(2[6-9]|[3-5]\d)|1:\d\d)$"),
                                                             timeout=30_000)
        page.get_by_role("button", name="Stop").click()
        status = page.locator("#iv-rec-status")
        expect(status).to_be_focused()
        expect(status).to_have_attribute("aria-live", "polite")
        expect(status).to_contain_text("Transcript ready", timeout=60_000)
        expect(page.get_by_label("Your answer")).to_be_focused()

        box = page.get_by_label("Your answer")
        heard = box.input_value()
        assert len(heard.split()) >= 15, heard
        corrected = re.sub(r"\b\w+\b", "hashing", heard, count=1)  # the candidate fixes a word
        box.fill(corrected)
        expect(page.locator("#iv-save")).to_have_text(re.compile(r"^Saved \d{1,2}:\d{2}$"))
        page.get_by_role("button", name="Submit answer").click(timeout=60_000)  # scored in the request

        expect(page.get_by_role("heading", name="Interview report")).to_be_visible(timeout=60_000)
        expect(page.locator("audio[data-player]")).to_have_count(1)
        metrics = page.locator(".iv-speech-metrics")
        expect(metrics).to_contain_text("words a minute")
        findings = page.locator(".iv-findings")
        expect(findings).to_contain_text(re.compile(r"filler", re.I))
        expect(findings).to_contain_text(re.compile(r"words a minute|fast|pace", re.I))
        filler = page.locator(".iv-findings li", has_text=re.compile(r"filler", re.I)).first
        filler.get_by_role("button").click()  # plays from there and outlines the word heard
        expect(page.locator(".iv-transcript .w.is-flagged").first).to_be_visible()
        page.screenshot(path=tmp_path / "voice-report.png", full_page=True)

        def stored(session):
            interview = session.scalar(select(Interview).where(Interview.candidate_id == user_id))
            answer = session.scalar(select(InterviewAnswer)
                                    .where(InterviewAnswer.interview_id == interview.id))
            take = session.scalar(select(Recording).where(Recording.answer_id == answer.id))
            return answer.text, take.transcript["text"], take.speech, answer.report

        text, transcript, speech, report = in_tenant(ref, stored)
        # The correction changed the answer's text, not the words heard in the audio.
        assert text == corrected and transcript == heard
        assert speech["wpm"] > 170 and speech["fillers_per_minute"] > 4, speech
        assert report["dimensions"]["delivery"]["evidence"]["speech"]["wpm"] == speech["wpm"]
    except Exception:
        page.screenshot(path=tmp_path / "failure.png", full_page=True)
        print(f"screenshot of the failure: {tmp_path / 'failure.png'}")
        raise
    finally:
        page.context.close()
