"""What aimi tells people, and when: one function per cause, each staging the
notifications of its recipients in the cause's own transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import format_local
from aimi.plugins import jobs
from aimi.tenants import notifications
from aimi.tenants import settings as tenant_settings
from aimi.tenants.assignments import DONE_STATUSES
from aimi.tenants.interview_models import Assignment, Interview, InterviewAnswer, MentorReview
from aimi.tenants.models import Cohort, User
from aimi.tenants.notification_models import Notification

PUBLISHED_KIND = "notify_assignment_published"


def stage_assignment_published(session: Session, assignment: Assignment, *, base_url: str = "") -> None:
    """Stage the job that tells the cohort, run once the assignment commits: the request
    that publishes it writes one row, whatever the cohort's size."""
    payload = {"assignment_id": assignment.id, "base_url": base_url}
    job, _created = jobs.stage(session, PUBLISHED_KIND, payload,
                               idempotency_key=f"{PUBLISHED_KIND}:{assignment.id}")
    jobs.dispatch_after_commit(session, current_tenant(), job)


def assignment_published(session: Session, assignment: Assignment, *, timezone: str,
                         base_url: str = "") -> int:
    """Tell each candidate of the assignment's cohort (in the job staged above); returns
    how many were told."""
    cohort = session.get(Cohort, assignment.cohort_id)
    name, due = assignment.template.name, format_local(assignment.due_at, timezone)
    told, mails = 0, []
    for candidate in cohort.candidates:
        row = notifications.notify(
            session, kind="assignment_published", key=f"assignment{assignment.id}", user=candidate,
            title=f"New assignment: {name}", link="/dashboard", base_url=base_url, batch=mails,
            body=f"Hello {candidate.display_name},\n\n{name} was assigned to your cohort {cohort.name}"
                 f"{f'; it is due {due}' if due else ''}. Start it from your dashboard.")
        told += row is not None
    notifications.deliver_in_batches(session, mails)
    return told


def review_finished(session: Session, review: MentorReview, *, base_url: str = "") -> None:
    """Tell the candidate that a mentor finished reviewing one of their answers."""
    answer = session.get(InterviewAnswer, review.answer_id)
    interview = answer.interview
    candidate = session.get(User, interview.candidate_id)
    mentor = session.get(User, review.mentor_id)
    notifications.notify(
        session, kind="review_finished", key=f"review{review.id}", user=candidate,
        title="Your answer was reviewed", link=f"/interviews/{interview.id}/report", base_url=base_url,
        body=f"Hello {candidate.display_name},\n\n{mentor.display_name} finished reviewing your answer "
             f"to question {answer.position + 1}. Their scores and comment are in your report.")


def report_ready(session: Session, interview: Interview) -> None:
    """Tell the candidate their interview's report is ready (scoring runs in a job, so
    there is no request: the mail names the page instead of linking it)."""
    candidate = session.get(User, interview.candidate_id)
    notifications.notify(
        session, kind="report_ready", key=f"interview{interview.id}", user=candidate,
        title="Your interview report is ready", link=f"/interviews/{interview.id}/report",
        body=f"Hello {candidate.display_name},\n\nEvery answer of your interview is scored. Sign in to "
             f"your college's portal and open Interviews to read the report.")


ANNOUNCE_KIND = "notify_announcement"


def stage_announcement(session: Session, sender: User, cohorts: list[Cohort], *, title: str, body: str,
                       key: str, base_url: str = "") -> None:
    """Stage the job that tells every candidate of ``cohorts`` (once each, even in two of
    them); ``key`` (the form's) makes a resubmitted form announce once."""
    payload = {"cohort_ids": [cohort.id for cohort in cohorts], "sender_id": sender.id, "title": title,
               "body": body, "key": key, "base_url": base_url}
    job, _created = jobs.stage(session, ANNOUNCE_KIND, payload, idempotency_key=f"{ANNOUNCE_KIND}:{key}",
                               created_by=sender.id)
    jobs.dispatch_after_commit(session, current_tenant(), job)


def announcement(session: Session, payload: dict) -> int:
    """Tell the candidates of the announcement's cohorts (in the job staged above);
    returns how many were told."""
    sender = session.get(User, payload["sender_id"])
    signed = f"\n\n-- {sender.display_name}" if sender else ""
    members = {candidate.id: candidate for cohort in session.scalars(
        select(Cohort).where(Cohort.id.in_(payload["cohort_ids"]))) for candidate in cohort.candidates}
    told, mails = 0, []
    for candidate in sorted(members.values(), key=lambda user: user.id):
        row = notifications.notify(
            session, kind="announcement", key=f"announcement{payload['key']}", user=candidate,
            title=payload["title"], link="/notifications/", base_url=payload.get("base_url", ""), batch=mails,
            body=f"Hello {candidate.display_name},\n\n{payload['body']}{signed}")
        told += row is not None
    notifications.deliver_in_batches(session, mails)
    return told


DUE_SOON = timedelta(hours=24)
# An assignment overdue for longer is not announced: the first sweep after an upgrade (or
# after the scheduler was down) must not tell a cohort about last term's assignments.
OVERDUE_FOR_AT_MOST = timedelta(days=7)


def send_reminders(session: Session, now: datetime) -> int:
    """``assignment_reminders`` in the college's time zone, committed; a run at the same
    time that staged them first leaves nothing to do. Returns how many were told."""
    try:
        told = assignment_reminders(session, now=now, timezone=tenant_settings.load(session).timezone)
        session.commit()
    except IntegrityError:
        session.rollback()
        told = 0
    return told


def assignment_reminders(session: Session, *, now: datetime, timezone: str) -> int:
    """Remind each candidate who has not finished an assignment (no submitted or scored
    attempt) that it is due within ``DUE_SOON``, or that it is overdue. A sweep, run on a
    schedule: the notification key (kind, assignment, candidate) makes every later run, or
    one running at the same time, send nothing again. Returns how many were told now."""
    told, mails = 0, []
    for assignment in session.scalars(select(Assignment).where(
            Assignment.due_at > now - OVERDUE_FOR_AT_MOST, Assignment.due_at <= now + DUE_SOON)
            .order_by(Assignment.id)).all():  # read first: notifying flushes as it goes
        kind = "assignment_overdue" if assignment.due_at <= now else "assignment_due"
        cause = f"assignment{assignment.id}"
        finished = set(session.scalars(select(Interview.candidate_id).where(
            Interview.assignment_id == assignment.id, Interview.status.in_(DONE_STATUSES))))
        waiting = [c for c in session.get(Cohort, assignment.cohort_id).candidates
                   if c.active and c.id not in finished]
        already = set(session.scalars(select(Notification.key).where(Notification.key.in_(
            [notifications.key_for(kind, cause, user=c) for c in waiting]))))
        for candidate in waiting:
            if notifications.key_for(kind, cause, user=candidate) not in already:
                told += _remind(session, kind, cause, assignment, candidate, timezone, mails) is not None
    notifications.deliver_in_batches(session, mails)
    return told


def _remind(session: Session, kind: str, cause: str, assignment: Assignment, candidate: User,
            timezone: str, mails: list[Notification]) -> Notification | None:
    name, due = assignment.template.name, format_local(assignment.due_at, timezone)
    if kind == "assignment_due":
        title, what = f"Due soon: {name}", f"{name} is due {due} and you have not finished it yet."
    else:
        title, what = f"Overdue: {name}", f"{name} was due {due} and you have not finished it."
    return notifications.notify(
        session, kind=kind, key=cause, user=candidate, title=title, link="/dashboard", batch=mails,
        body=f"Hello {candidate.display_name},\n\n{what} Sign in to your college's portal and open "
             f"your dashboard to see what is left.")
