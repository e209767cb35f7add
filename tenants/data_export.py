"""A candidate's copy of their data: a zip of JSON (profile, interviews, answers with their
scores and mentor reviews, recordings with transcripts) and the recordings' audio, built
by a job on the ``default`` queue and stored through the file hooks under a key aimi makes
(``exports/<user id>/<random>.zip``, never a name from input).

The export is known by its job: the job row records who asked (``created_by``) and, when
done, the file's key. Only that user may download it, and only for ``KEEP_DAYS``; another
user, another college or an expired export is simply not found.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.tenants import notifications, recordings
from aimi.tenants.interview_models import Interview, MentorReview
from aimi.tenants.models import Job, User
from aimi.tenants.recording_models import Recording

EXPORT_KIND = "export_candidate_data"  # its handler is aimi.plugins.export_jobs
KEEP_DAYS = 7


class ExportNotFound(LookupError):
    """No such export of this user, or it expired."""


@dataclass(frozen=True)
class Export:
    job_id: str
    status: str
    requested_at: datetime
    expires_at: datetime | None
    size: int | None


def request_export(session: Session, user: User) -> Job:
    """Stage the export job in the caller's transaction; it is dispatched when that commits."""
    job, _created = jobs.stage(session, EXPORT_KIND, {"user_id": user.id}, created_by=user.id)
    jobs.dispatch_after_commit(session, current_tenant(), job)
    return job


def exports_of(session: Session, user: User, now: datetime | None = None) -> list[Export]:
    """The user's exports that have not expired, newest first."""
    now = now or utcnow()
    found = []
    for job in session.scalars(select(Job).where(Job.kind == EXPORT_KIND, Job.created_by == user.id)
                               .order_by(Job.created_at.desc())):
        expires = _expires_at(job)
        if expires is None or expires > now:
            found.append(Export(job.id, job.status, job.created_at, expires, (job.result or {}).get("size")))
    return found


def _expires_at(job: Job) -> datetime | None:
    return job.finished_at + timedelta(days=KEEP_DAYS) if job.status == "done" and job.finished_at else None


def download(session: Session, user: User, job_id: str, now: datetime | None = None) -> bytes:
    """The zip of the user's own finished export, while it has not expired."""
    job = session.get(Job, job_id)
    if job is None or job.kind != EXPORT_KIND or job.created_by != user.id or job.status != "done":
        raise ExportNotFound(job_id)
    expires, key = _expires_at(job), (job.result or {}).get("key")
    if expires is None or expires <= (now or utcnow()) or not key:
        raise ExportNotFound(job_id)
    return recordings.read_file(session, key)


def build(session: Session, user: User, job: Job) -> dict[str, Any]:
    """Write the zip of ``user``'s data, store it, and notify them (the job's handler; a
    re-run writes a new file under a new random key, never over another)."""
    data = archive(session, user)
    key = f"exports/{user.id}/{secrets.token_hex(16)}.zip"
    recordings.store_file(session, key, data, "application/zip")
    notifications.notify(
        session, kind="data_export", key=f"export{job.id}", user=user,
        title="Your data export is ready", link=f"/account/data/exports/{job.id}",
        body=f"Hello {user.display_name},\n\nThe copy of your data you asked for is ready. Sign in to "
             f"your college's portal and open Your data to download it; the link works for {KEEP_DAYS} days.")
    return {"key": key, "size": len(data)}


def archive(session: Session, user: User) -> bytes:
    """The zip: ``data.json`` and ``recordings/<id>.<ext>`` for each recording with audio."""
    takes = list(session.scalars(select(Recording).where(Recording.candidate_id == user.id)
                                 .order_by(Recording.id)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(_data(session, user, takes), indent=2, default=str))
        for take in takes:
            audio = _audio(session, take)
            if audio is not None:
                zipped.writestr(f"recordings/{take.id}.{audio[1]}", audio[0])
    return buffer.getvalue()


def _audio(session: Session, take: Recording) -> tuple[bytes, str] | None:
    """The normalised WAV when there is one, else the chunks as uploaded; None once deleted."""
    if take.audio_key:
        return recordings.read_file(session, take.audio_key), "wav"
    if take.chunks:
        return recordings.upload(session, take), "webm"
    return None


def _data(session: Session, user: User, takes: list[Recording]) -> dict[str, Any]:
    interviews = session.scalars(select(Interview).where(Interview.candidate_id == user.id)
                                 .order_by(Interview.id)).all()
    answer_ids = [a.id for i in interviews for a in i.answers]
    reviews: dict[int, list[MentorReview]] = {}
    for review in session.scalars(select(MentorReview).where(MentorReview.answer_id.in_(answer_ids))):
        reviews.setdefault(review.answer_id, []).append(review)
    return {
        "college": current_tenant().slug,
        "exported_at": utcnow(),
        "profile": {"email": user.email, "full_name": user.full_name, "roll_number": user.roll_number,
                    "roles": user.role_names,
                    "created_at": user.created_at, "last_login_at": user.last_login_at},
        "interviews": [_interview(i, reviews) for i in interviews],
        "recordings": [{"id": t.id, "answer_id": t.answer_id, "status": t.status, "created_at": t.created_at,
                        "duration": t.duration, "transcript": t.transcript, "delivery": t.speech,
                        "audio_deleted_at": t.audio_deleted_at} for t in takes],
    }


def _interview(interview: Interview, reviews: dict[int, list[MentorReview]]) -> dict[str, Any]:
    return {
        "id": interview.id, "role": interview.role, "type": interview.type, "status": interview.status,
        "target_company": interview.target_company, "started_at": interview.started_at,
        "submitted_at": interview.submitted_at, "overall": interview.overall, "report": interview.report,
        "answers": [{
            "position": a.position + 1, "question": a.question.text, "answer": a.text,
            "submitted_at": a.submitted_at, "overall": a.overall, "report": a.report,
            "mentor_reviews": [{"status": r.status, "scores": r.scores, "overall": r.overall,
                                "comment": r.comment, "updated_at": r.updated_at}
                               for r in reviews.get(a.id, [])],
        } for a in interview.answers],
    }
