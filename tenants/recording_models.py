"""Voice answers: recordings, the chunks they arrive in, and each candidate's consent.

A recording belongs to one answer. Its audio arrives in numbered chunks while the
candidate speaks (each stored at once, so a closed tab loses only the last seconds), is
normalised and transcribed on the ``speech`` queue, and its audio may later be deleted
(by the candidate, or after the college's retention period) while the transcript and
the delivery analysis stay.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aimi.platform.db import TenantBase
from aimi.platform.timeutil import utcnow
from aimi.tenants.interview_models import InterviewAnswer

# recording: chunks arriving; processing: queued or on the worker; transcribed: done;
# failed: the audio could not be used (error says why; the chunks stay for a retry);
# discarded: replaced by a new take before the answer was submitted.
RECORDING_STATUSES = ("recording", "processing", "transcribed", "failed", "discarded")


class Recording(TenantBase):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("interview_answers.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="recording", index=True)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)  # bytes received
    duration: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str] = mapped_column(Text, default="")
    error_code: Mapped[str] = mapped_column(String(16), default="")
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id"))
    provider: Mapped[str] = mapped_column(String(40), default="")
    transcript: Mapped[dict | None] = mapped_column(JSON)  # {text, words: [{word, start, end}], ...}
    speech: Mapped[dict | None] = mapped_column(JSON)  # SpeechAnalysis.as_dict()
    audio_key: Mapped[str | None] = mapped_column(String(200))  # the normalised WAV
    audio_deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    answer: Mapped[InterviewAnswer] = relationship()
    chunks: Mapped[list[RecordingChunk]] = relationship(
        order_by="RecordingChunk.seq", cascade="all, delete-orphan", back_populates="recording")


class RecordingChunk(TenantBase):
    """One uploaded piece; (recording, seq) is unique, so a re-sent chunk replaces itself."""

    __tablename__ = "recording_chunks"
    __table_args__ = (UniqueConstraint("recording_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    recording: Mapped[Recording] = relationship(back_populates="chunks")


class RecordingConsent(TenantBase):
    """A candidate accepted the college's recording policy as it read then (its hash)."""

    __tablename__ = "recording_consents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    policy_hash: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
