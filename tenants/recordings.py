"""Voice answers: consent, chunked upload, hand-over to the ``speech`` queue, deletion.

The browser uploads a recording in numbered chunks while the candidate speaks. Each chunk
is stored at once (file first, then its row), so a dropped connection or a closed tab
loses only what was not sent yet; ``finish`` accepts the chunks that arrived in order.
Files go through the file hooks (local disk by default, S3 as a plugin) under keys that
name the recording, inside the tenant's own storage area. Functions stage changes in the
caller's session; the caller commits, then dispatches the job it was given.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import get_manager
from aimi.tenants import interviews
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.models import Job, User
from aimi.tenants.recording_models import Recording, RecordingChunk, RecordingConsent
from aimi.tenants.settings import TenantSettings

SPEECH_KIND = "transcribe_recording"  # the job kind; its handler is aimi.plugins.speech_jobs
WINDOW_KIND = "transcribe_window"  # a window of a take still recording (same module)
WINDOW_CHUNKS = 5  # a window job every this many chunks (about seconds) while recording
MAX_CHUNK_BYTES = 4 * 1024 * 1024
MAX_CHUNKS = 5000
MAX_RECORDING_BYTES = 50 * 1024 * 1024
# What MediaRecorder produces in Chrome, Firefox and Safari, plus files a CLI user may have.
CONTENT_TYPE_RE = re.compile(r"^(audio|video)/(webm|ogg|mp4|x-m4a|mpeg|wav|x-wav|wave)(;.*)?$")
OPEN_STATUSES = ("recording", "processing", "transcribed", "failed")


class RecordingError(ValueError):
    """A request about a recording that cannot be done; ``status`` is the HTTP code."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


# -- Consent ---------------------------------------------------------------------------


def policy_hash(settings: TenantSettings) -> str:
    return hashlib.sha256(settings.recording_policy.strip().encode()).hexdigest()


def has_consent(session: Session, user: User, settings: TenantSettings) -> bool:
    """The candidate accepted the policy as it reads now (a changed policy asks again)."""
    consent = session.get(RecordingConsent, user.id)
    return consent is not None and consent.policy_hash == policy_hash(settings)


def give_consent(session: Session, user: User, settings: TenantSettings) -> None:
    consent = session.get(RecordingConsent, user.id) or RecordingConsent(user_id=user.id)
    consent.policy_hash, consent.accepted_at = policy_hash(settings), utcnow()
    session.add(consent)


# -- Files -----------------------------------------------------------------------------


def chunk_key(recording: Recording, seq: int) -> str:
    return f"recordings/{recording.id}/chunk-{seq:05d}"


def window_key(recording: Recording, start: float) -> str:
    """The audio of a window transcribed while recording (evaluators/speech_windows.py), kept
    until the take's transcript is done so that Stop leaves only the rest to decode."""
    return f"recordings/{recording.id}/window-{round(start * 1000):08d}.wav"


def window_keys(recording: Recording) -> list[str]:
    """The keys of the windows the take's partial transcript lists (none once it is done)."""
    partial = (recording.transcript or {}).get("partial") or {}
    return [window_key(recording, start) for start, _end in partial.get("windows", [])]


def audio_key(recording: Recording) -> str:
    return f"recordings/{recording.id}/audio.wav"


def store_file(session: Session, key: str, data: bytes, content_type: str) -> None:
    get_manager().store_file(key, data, content_type, tenant=current_tenant().slug,
                             settings=plugin_settings.load(session))


def read_file(session: Session, key: str) -> bytes:
    return read_files(session, [key])[0]


def read_files(session: Session, keys: list[str]) -> list[bytes]:
    """Several files, with the tenant's plugin settings read once (not once a chunk)."""
    slug, states = current_tenant().slug, plugin_settings.load(session)
    return [get_manager().read_file(key, tenant=slug, settings=states) for key in keys]


def _delete_files(session: Session, recording: Recording, chunks: list[RecordingChunk] | None = None) -> None:
    """Delete the files of ``chunks`` (default: all the recording's files)."""
    keys = [chunk_key(recording, chunk.seq) for chunk in (recording.chunks if chunks is None else chunks)]
    if chunks is None:  # also when a failed job wrote the file but not its row
        keys += [audio_key(recording), *window_keys(recording)]
    delete_files(session, keys)


def delete_files(session: Session, keys: list[str]) -> None:
    slug, states = current_tenant().slug, plugin_settings.load(session)
    for key in keys:
        get_manager().delete_file(key, tenant=slug, settings=states)


def upload(session: Session, recording: Recording) -> bytes:
    """The recording as uploaded: its chunks, in order."""
    return b"".join(read_files(session, [chunk_key(recording, chunk.seq) for chunk in recording.chunks]))


# -- Recording -------------------------------------------------------------------------


def current(session: Session, answer: InterviewAnswer) -> Recording | None:
    """The answer's latest take that was not replaced."""
    return session.scalar(select(Recording).where(Recording.answer_id == answer.id,
                                                  Recording.status.in_(OPEN_STATUSES))
                          .order_by(Recording.id.desc()).limit(1))


def of_candidate(user: User) -> Select:
    """The candidate's recordings that were not discarded, newest first."""
    return (select(Recording).where(Recording.candidate_id == user.id, Recording.status != "discarded")
            .order_by(Recording.id.desc()))


def transcribed_takes(session: Session, answer_ids: list[int]) -> dict[int, Recording]:
    """The transcribed take of each answer that has one, by answer id (for the report)."""
    if not answer_ids:
        return {}
    stmt = (select(Recording).where(Recording.answer_id.in_(answer_ids), Recording.status == "transcribed")
            .order_by(Recording.id))
    return {recording.answer_id: recording for recording in session.scalars(stmt)}


def _check_open(answer: InterviewAnswer, user: User) -> None:
    if answer.interview.candidate_id != user.id:
        raise interviews.InterviewNotFound(answer.interview_id)
    if answer.submitted_at is not None:
        raise RecordingError("This answer was already submitted; its recording can no longer change.")
    if not interviews.is_open(answer):
        raise RecordingError("Time is up for this question: what was saved in time is kept. "
                             "Submit it to go on.")


def start(session: Session, answer: InterviewAnswer, user: User, content_type: str,
          settings: TenantSettings) -> Recording:
    """A new take for the answer; earlier takes of it are discarded (their files deleted)."""
    _check_open(answer, user)
    if not has_consent(session, user, settings):
        raise RecordingError("Read and accept your college's recording policy before recording.", 403)
    if not isinstance(content_type, str) or not CONTENT_TYPE_RE.match(content_type.strip().lower()):
        raise RecordingError(f"{str(content_type)[:60]!r} is not an audio format we take: record in a "
                             "current Chrome, Edge, Firefox or Safari.", 422)
    for old in session.scalars(select(Recording).where(Recording.answer_id == answer.id,
                                                       Recording.status.in_(OPEN_STATUSES))):
        _delete_files(session, old)
        old.status, old.audio_key = "discarded", None
    recording = Recording(answer_id=answer.id, candidate_id=user.id, status="recording",
                          content_type=content_type.strip().lower()[:100], size=0, error="", error_code="",
                          provider="", created_at=utcnow())
    session.add(recording)
    session.flush()
    return recording


def check_chunk_size(size: int) -> None:
    if size > MAX_CHUNK_BYTES:
        raise RecordingError(f"A chunk may hold at most {MAX_CHUNK_BYTES // (1024 * 1024)} MB; "
                             "send smaller pieces.", 413)


def add_chunk(session: Session, recording: Recording, seq: int, data: bytes) -> RecordingChunk:
    """Store one chunk; sending the same ``seq`` again replaces it (a retried upload)."""
    if recording.status != "recording":
        raise RecordingError("This recording is already finished; start a new one to record again.")
    if not 0 <= seq < MAX_CHUNKS:
        raise RecordingError(f"Chunk numbers run from 0 to {MAX_CHUNKS - 1}.", 422)
    if not data:
        raise RecordingError("This chunk is empty: send the recorded bytes as the request body.", 422)
    check_chunk_size(len(data))
    chunk = next((c for c in recording.chunks if c.seq == seq), None)
    size = recording.size - (chunk.size if chunk else 0) + len(data)
    if size > MAX_RECORDING_BYTES:
        raise RecordingError(f"The recording is over {MAX_RECORDING_BYTES // (1024 * 1024)} MB: stop and "
                             "submit what you have, or record a shorter answer.", 413)
    store_file(session, chunk_key(recording, seq), data, recording.content_type)
    if chunk is None:
        chunk = RecordingChunk(seq=seq, size=len(data), received_at=utcnow())
        recording.chunks.append(chunk)
    else:
        chunk.size, chunk.received_at = len(data), utcnow()
    recording.size = size
    return chunk


def stage_window(session: Session, recording: Recording, seq: int, user: User) -> Job | None:
    """Every ``WINDOW_CHUNKS`` chunks, a job that transcribes the take so far, window by
    window (the caller commits, then dispatches it); None for the chunks in between."""
    if (seq + 1) % WINDOW_CHUNKS:
        return None
    job, created = jobs.stage(session, WINDOW_KIND, {"recording_id": recording.id},
                              idempotency_key=f"{WINDOW_KIND}:recording{recording.id}:{seq}",
                              created_by=user.id)
    return job if created else None


def finish(session: Session, recording: Recording, user: User, expected: int | None) -> Job:
    """Close the upload and stage its transcription. With ``expected`` (the browser's chunk
    count) every chunk must be there; without it (a take left by a closed tab) the chunks
    that arrived in order from the first are used, and the rest dropped."""
    _check_open(recording.answer, user)
    if recording.status != "recording":
        raise RecordingError("This recording is already finished.")
    seqs = [c.seq for c in recording.chunks]
    if expected is not None:
        if isinstance(expected, bool) or not isinstance(expected, int) or not 1 <= expected <= MAX_CHUNKS:
            raise RecordingError("Say how many chunks were sent, a whole number from 1.", 422)
        missing = sorted(set(range(expected)) - set(seqs))
        if missing:
            raise RecordingError(f"Chunks {', '.join(map(str, missing[:20]))} have not arrived yet; send "
                                 "them, then finish again.", 409)
    in_order = 0
    while in_order in seqs:
        in_order += 1
    late = [c for c in recording.chunks if c.seq >= in_order]
    _delete_files(session, recording, late)
    for chunk in late:
        recording.chunks.remove(chunk)
        recording.size -= chunk.size
    if not recording.chunks:
        raise RecordingError("Nothing of this recording arrived; record again.", 422)
    recording.status, recording.finished_at = "processing", utcnow()
    job, _created = jobs.stage(session, SPEECH_KIND, {"recording_id": recording.id},
                               idempotency_key=f"{SPEECH_KIND}:recording{recording.id}", created_by=user.id)
    recording.job_id = job.id
    return job


def discard(session: Session, recording: Recording, user: User) -> None:
    """Throw a take away before the answer is submitted (to record again or to type)."""
    _check_open(recording.answer, user)
    _delete_files(session, recording)
    recording.status, recording.audio_key = "discarded", None


def pending(session: Session, answer: InterviewAnswer) -> bool:
    """A take of the answer is still being transcribed."""
    take = current(session, answer)
    return take is not None and take.status == "processing"


# -- Deleting audio --------------------------------------------------------------------


def delete_audio(session: Session, recording: Recording, now: datetime | None = None) -> bool:
    """Delete the recording's audio (uploaded chunks and the normalised file); its
    transcript and delivery analysis stay. False when it was deleted before."""
    if recording.audio_deleted_at is not None:
        return False
    _delete_files(session, recording)
    recording.chunks.clear()
    recording.audio_key, recording.audio_deleted_at = None, now or utcnow()
    return True


def purge_expired(session: Session, settings: TenantSettings, now: datetime | None = None) -> int:
    """Delete the audio of recordings older than the college's retention period."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.audio_retention_days)
    expired = session.scalars(select(Recording).where(Recording.created_at < cutoff,
                                                      Recording.audio_deleted_at.is_(None)))
    return sum(delete_audio(session, recording, now) for recording in expired)
