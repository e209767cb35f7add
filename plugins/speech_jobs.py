"""The ``transcribe_recording`` job (``speech`` queue): a finished upload becomes a transcript
and a delivery analysis; and ``transcribe_window``, which transcribes a take window by window
while it is still being uploaded (evaluators/speech_windows.py), so that after Stop only the
last seconds are left and the candidate sees the words as they are recognised.

Steps: join the uploaded chunks, normalise them to 16 kHz mono (PyAV), store that WAV for
the report's player, transcribe with the college's provider (biased toward the question),
measure delivery on the audio with the college's norms, and put the transcript in the
answer's draft for the candidate to correct. Audio that cannot be used (not audio, silent,
too long) or a provider that is not set up ends the take as ``failed`` with a message the
candidate reads (they record again or type; the upload stays until the retention purge).
A provider's transient failure is retried by the job system, and a job that failed for
good leaves the take ``processing`` for an admin to re-run from /manage/jobs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import update
from sqlalchemy.orm import Session

from aimi.evaluators import audio as audio_codec
from aimi.evaluators import speech_analysis, speech_windows
from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import NotHandledError, get_manager
from aimi.plugins.types import AudioInput, Transcript
from aimi.tenants import recordings
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.models import Job
from aimi.tenants.recording_models import Recording

# Seconds of slack over the college's limit: the recorder stops at the limit, give or take.
LENGTH_SLACK = 5


def hints(answer: InterviewAnswer) -> tuple[str, ...]:
    """What the candidate is likely to say: the question as asked, its references and keywords."""
    question = answer.question
    return (answer.question_text, *(question.reference_answers or ()), *(question.keywords or ()))


@jobs.register(recordings.SPEECH_KIND, queue="speech")
def transcribe_recording(session: Session, job: Job) -> dict[str, Any]:
    recording = session.get(Recording, job.payload["recording_id"])
    if recording is None:
        raise LookupError(f"recording {job.payload['recording_id']} does not exist")
    if recording.status == "processing":  # a re-run after a crash; done or discarded takes stay
        process(session, recording)
    return {"recording_id": recording.id, "status": recording.status, "error": recording.error}


def process(session: Session, recording: Recording) -> None:
    settings = tenant_settings.load(session)
    states = plugin_settings.load(session)
    partial = speech_windows.resumed((recording.transcript or {}).get("partial"), settings.speech_provider)
    try:
        audio = _take_audio(session, recording, partial, settings.max_recording_seconds + LENGTH_SLACK)
    except audio_codec.AudioError as exc:
        _fail(recording, str(exc), exc.code)
        return
    key = recordings.audio_key(recording)
    recordings.store_file(session, key, audio.wav_bytes(), "audio/wav")
    recordings.delete_files(session, recordings.window_keys(recording))  # audio.wav holds them now
    recording.audio_key, recording.duration = key, round(audio.duration, 2)
    try:
        state = speech_windows.extend(partial, audio, _transcriber(session, recording, settings, states),
                                      settings.speech_provider, final=True)
    except (NotHandledError, ValueError) as exc:
        _fail(recording, f"Transcription is not available: {exc}. Your recording is kept; type your "
                         "answer or ask your college to check its speech settings.", "provider")
        return
    transcript = speech_windows.as_transcript(state, audio.duration)
    norms = speech_analysis.norms_from_options(get_manager().state("delivery", states).options)
    analysis = speech_analysis.analyse(audio, transcript.words, norms)
    recording.transcript = transcript.as_dict()
    recording.speech, recording.provider = analysis.as_dict(), transcript.provider
    recording.status, recording.error, recording.error_code = "transcribed", "", ""
    answer = recording.answer
    if answer.submitted_at is None:
        answer.text, answer.draft_saved_at = transcript.text, utcnow()


def _take_audio(session: Session, recording: Recording, partial: speech_windows.State | None,
                max_seconds: float) -> audio_codec.Audio:
    """The whole take: the windows' audio as the window jobs kept it, then the rest, which is
    all that is decoded after Stop."""
    upload = recordings.upload(session, recording)
    kept = recordings.read_files(session, [recordings.window_key(recording, start)
                                           for start, _end in speech_windows.windows(partial)])
    rest = audio_codec.decode(upload, max_seconds=max_seconds, start=speech_windows.cut(partial))
    if not kept:
        return rest
    return audio_codec.Audio(np.concatenate([*(audio_codec.from_wav(data).samples for data in kept),
                                             rest.samples]))


@jobs.register(recordings.WINDOW_KIND, queue="speech")
def transcribe_window(session: Session, job: Job) -> dict[str, Any]:
    """The next window of a take still being recorded, kept on the recording as its partial
    transcript. Written only while the take is still recording (one UPDATE ... WHERE), so a
    window finishing after Stop never overwrites what the final job wrote."""
    recording = session.get(Recording, job.payload["recording_id"])
    if recording is None or recording.status != "recording":
        return {"recording_id": job.payload["recording_id"], "window": None}
    settings = tenant_settings.load(session)
    states = plugin_settings.load(session)
    partial = speech_windows.resumed((recording.transcript or {}).get("partial"), settings.speech_provider)
    try:  # only the audio past the last cut is decoded
        audio = audio_codec.decode(recordings.upload(session, recording),
                                   max_seconds=settings.max_recording_seconds + LENGTH_SLACK,
                                   start=speech_windows.cut(partial))
    except audio_codec.AudioError:  # too little or silent so far: the final job will say so
        return {"recording_id": recording.id, "window": None}
    state = speech_windows.extend(partial, audio, _transcriber(session, recording, settings, states),
                                  settings.speech_provider)
    if state is None:
        return {"recording_id": recording.id, "window": None}
    start, end = speech_windows.windows(state)[-1]
    key = recordings.window_key(recording, start)
    recordings.store_file(session, key, audio.between(start, end).wav_bytes(), "audio/wav")
    written = session.execute(update(Recording)
                              .where(Recording.id == recording.id, Recording.status == "recording")
                              .values(transcript={"partial": state})
                              .execution_options(synchronize_session=False))
    if not written.rowcount:  # stopped meanwhile: the final job decoded this audio itself
        recordings.delete_files(session, [key])
        return {"recording_id": recording.id, "window": None}
    return {"recording_id": recording.id, "window": state["cut"]}


def _transcriber(session: Session, recording: Recording, settings: tenant_settings.TenantSettings,
                 states: dict) -> Callable[[audio_codec.Audio], Transcript]:
    """Audio -> transcript with the college's provider, biased toward the question."""
    answer = recording.answer

    def transcribe(piece: audio_codec.Audio) -> Transcript:
        with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
            audio_codec.write_wav(piece, wav.name)
            request = AudioInput(wav.name, language=settings.speech_language, hints=hints(answer),
                                 keywords=tuple(answer.question.keywords or ()))
            return get_manager().transcribe(request, tenant=current_tenant().slug, settings=states,
                                            provider=settings.speech_provider)

    return transcribe


def _fail(recording: Recording, message: str, code: str) -> None:
    recording.status, recording.error, recording.error_code = "failed", message, code
