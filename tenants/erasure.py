"""Erasing a candidate at an admin's request: in one transaction, their recordings lose
audio and transcript, their answers' texts and everything quoting them are blanked, the
account keeps only an anonymous placeholder and is deactivated, and an audit entry says
who erased whom. Scores stay, now anonymous, so the college's analytics keep their counts.
The files go only after the commit (``stored_files``), so a failure part-way leaves the
candidate exactly as they were.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aimi.tenants import audit, recordings, stored_files
from aimi.tenants.data_export import EXPORT_KIND
from aimi.tenants.interview_models import Interview, InterviewAnswer, MentorReview
from aimi.tenants.models import AuditLog, Evaluation, Invitation, Job, User
from aimi.tenants.notification_models import Notification, NotificationPreference
from aimi.tenants.recording_models import Recording, RecordingConsent

ERASED_NAME = "Erased candidate"
ERASED_DOMAIN = "erased.invalid"  # a reserved domain: no mail is ever sent there


class ErasureError(ValueError):
    """An account that cannot be erased (not a candidate, or the admin's own)."""


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user.id)


def check(user: User, actor: User | None) -> None:
    if actor is not None and user.id == actor.id:
        raise ErasureError("You cannot erase your own account.")
    if is_erased(user):
        raise ErasureError("This account was erased already.")
    if user.role_names != ["candidate"]:
        raise ErasureError("Only candidates can be erased; remove this user's other roles first.")


def erase(session: Session, user: User, actor: User | None, ip: str | None = None,
          reason: str | None = None) -> dict[str, int]:
    """Stage the erasure of ``user`` in ``session``; the caller commits (the files are
    deleted after that). Returns what was erased, as counts (also the audit details, with
    the ``reason`` when the system erases, e.g. after the retention period)."""
    check(user, actor)
    counts = {"recordings": _recordings(session, user), "answers": _answers(session, user),
              "exports": _exports(session, user)}
    counts["notifications"] = session.execute(
        delete(Notification).where(Notification.user_id == user.id)).rowcount
    session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    session.execute(delete(RecordingConsent).where(RecordingConsent.user_id == user.id))
    session.execute(delete(Invitation).where(Invitation.email == user.email))
    session.execute(delete(Evaluation).where(Evaluation.created_by == user.id))
    _audit_trail(session, user)
    _account(user)
    session.flush()
    audit.record(session, "user.erased", actor=actor, target_type="user", target_id=user.id,
                 details={**counts, **({"reason": reason} if reason else {})}, ip=ip)
    return counts


def _recordings(session: Session, user: User) -> int:
    takes = list(session.scalars(select(Recording).where(Recording.candidate_id == user.id)))
    keys = []
    for take in takes:
        keys += [recordings.chunk_key(take, chunk.seq) for chunk in take.chunks]
        keys.append(recordings.audio_key(take))
        take.chunks.clear()
        take.transcript = take.speech = None
        take.audio_key = None
        take.error = ""
        take.audio_deleted_at = take.audio_deleted_at or take.created_at
    stored_files.delete_after_commit(session, keys)
    return len(takes)


def _answers(session: Session, user: User) -> int:
    """Blank the texts; keep each report's scores (and the rubric points it missed, which
    are the question's words, for the cohort's weak points), drop its quotes and advice."""
    answers = list(session.scalars(select(InterviewAnswer).join(Interview)
                                   .where(Interview.candidate_id == user.id)))
    for answer in answers:
        answer.text = ""
        answer.report = anonymous_report(answer.report)
    for review in session.scalars(select(MentorReview).where(
            MentorReview.answer_id.in_([a.id for a in answers]))):
        review.comment = ""
    for interview in session.scalars(select(Interview).where(Interview.candidate_id == user.id)):
        interview.target_company = None
    return len(answers)


def anonymous_report(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """An answer's report reduced to its figures: what analytics and calibration read."""
    if report is None:
        return None
    kept: dict[str, Any] = {"overall": report.get("overall"), "dimensions": {}, "anonymised": True}
    for name, value in (report.get("dimensions") or {}).items():
        kept["dimensions"][name] = {"score": value.get("score") if isinstance(value, dict) else value}
    content = ((report.get("dimensions") or {}).get("content") or {})
    evidence = content.get("evidence") if isinstance(content, dict) else None
    if evidence and "content" in kept["dimensions"]:
        kept["dimensions"]["content"]["evidence"] = {
            "points_source": evidence.get("points_source"),
            "points_missed": [{"point": p.get("point", "")} for p in evidence.get("points_missed", [])]}
    if isinstance(report.get("calibrated"), dict):
        kept["calibrated"] = anonymous_report(report["calibrated"])
    return kept


def _exports(session: Session, user: User) -> int:
    """The candidate's data exports: their files go, the job rows forget the key."""
    found = list(session.scalars(select(Job).where(Job.kind == EXPORT_KIND, Job.created_by == user.id)))
    stored_files.delete_after_commit(session, [job.result["key"] for job in found
                                               if job.result and job.result.get("key")])
    for job in found:
        job.result = {"erased": True}
    return len(found)


def _audit_trail(session: Session, user: User) -> None:
    """Entries stay; the address in them goes (what they did and when remains)."""
    for entry in session.scalars(select(AuditLog).where(AuditLog.actor_id == user.id)):
        entry.actor_email = erased_email(user.id)
    for entry in session.scalars(select(AuditLog).where(AuditLog.target_type == "user",
                                                        AuditLog.target_id == str(user.id))):
        if "email" in (entry.details or {}):
            entry.details = {**entry.details, "email": erased_email(user.id)}


def _account(user: User) -> None:
    """The placeholder: no name, address or roll number, no password or second factor, every
    session and token revoked (new uniquifiers), and no sign-in."""
    user.email, user.full_name, user.roll_number = erased_email(user.id), ERASED_NAME, None
    user.password = None
    user.tf_primary_method = user.tf_totp_secret = None
    user.last_login_ip = user.current_login_ip = None
    user.fs_uniquifier, user.fs_token_uniquifier = uuid.uuid4().hex, uuid.uuid4().hex
    user.active = False
