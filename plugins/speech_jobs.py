"""The ``transcribe_recording`` job (``speech`` queue): a finished upload becomes a transcript
and a delivery analysis.

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
from typing import Any

from sqlalchemy.orm import Session

from aimi.evaluators import audio as audio_codec
from aimi.evaluators import speech_analysis
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import NotHandledError, get_manager
from aimi.plugins.types import AudioInput
from aimi.tenants import recordings
from aimi.tenants import settings as tenant_settings
from aimi.tenants.context import current_tenant
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.models import Job
from aimi.tenants.recording_models import Recording

# Seconds of slack over the college's limit: the recorder stops at the limit, give or take.
LENGTH_SLACK = 5


def hints(answer: InterviewAnswer) -> tuple[str, ...]:
    """What the candidate is likely to say: the question, its references and keywords."""
    question = answer.question
    return (question.text, *(question.reference_answers or ()), *(question.keywords or ()))


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
    try:
        audio = audio_codec.decode(recordings.upload(session, recording),
                                   max_seconds=settings.max_recording_seconds + LENGTH_SLACK)
    except audio_codec.AudioError as exc:
        _fail(recording, str(exc), exc.code)
        return
    key = recordings.audio_key(recording)
    recordings.store_file(session, key, audio.wav_bytes(), "audio/wav")
    recording.audio_key, recording.duration = key, round(audio.duration, 2)
    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        audio_codec.write_wav(audio, wav.name)
        request = AudioInput(wav.name, language=settings.speech_language, hints=hints(recording.answer),
                             keywords=tuple(recording.answer.question.keywords or ()))
        try:
            transcript = get_manager().transcribe(request, tenant=current_tenant().slug, settings=states,
                                                  provider=settings.speech_provider)
        except (NotHandledError, ValueError) as exc:
            _fail(recording, f"Transcription is not available: {exc}. Your recording is kept; type your "
                             "answer or ask your college to check its speech settings.", "provider")
            return
    norms = speech_analysis.norms_from_options(get_manager().state("delivery", states).options)
    analysis = speech_analysis.analyse(audio, transcript.words, norms)
    recording.transcript = transcript.as_dict()
    recording.speech, recording.provider = analysis.as_dict(), transcript.provider
    recording.status, recording.error, recording.error_code = "transcribed", "", ""
    answer = recording.answer
    if answer.submitted_at is None:
        answer.text, answer.draft_saved_at = transcript.text, utcnow()


def _fail(recording: Recording, message: str, code: str) -> None:
    recording.status, recording.error, recording.error_code = "failed", message, code
