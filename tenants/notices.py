"""What aimi tells people, and when: one function per cause, each staging the
notifications of its recipients in the cause's own transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.timeutil import format_named
from aimi.plugins import jobs
from aimi.tenants import notifications, time_zones
from aimi.tenants import settings as tenant_settings
from aimi.tenants.assignments import DONE_STATUSES
from aimi.tenants.interview_models import Assignment, Interview, InterviewAnswer, MentorReview
from aimi.tenants.models import Cohort, User
from aimi.tenants.notification_models import Announcement, announcement_cohorts

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
    """Tell each candidate of the assignment's cohort (in the job staged above), the due
    date on each one's own clock; returns how many were told."""
    cohort = session.get(Cohort, assignment.cohort_id)
    name = assignment.template.name
    notes = []
    for candidate in cohort.candidates:
        due = format_named(assignment.due_at, time_zones.zone_of(candidate, timezone))
        notes.append(notifications.Note(
            candidate, f"New assignment: {name}",
            f"Hello {candidate.display_name},\n\n{name} was assigned to your cohort {cohort.name}"
            f"{f'; it is due {due}' if due else ''}. Start it from your dashboard."))
    return notifications.notify_many(session, kind="assignment_published", key=f"assignment{assignment.id}",
                                     notes=notes, link="/dashboard", base_url=base_url)


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
                       key: str, base_url: str = "") -> Announcement:
    """Record the announcement and stage the job that tells every candidate of
    ``cohorts`` (once each, even in two of them); ``key`` (the form's) makes a
    resubmitted form one announcement, told once."""
    existing = session.scalar(select(Announcement).where(Announcement.key == key))
    if existing is not None:
        return existing
    row = Announcement(key=key, sender_id=sender.id, sender_name=sender.display_name, title=title, body=body,
                       cohort_names=[cohort.name for cohort in cohorts])
    session.add(row)
    session.flush()
    session.execute(insert(announcement_cohorts), [{"announcement_id": row.id, "cohort_id": cohort.id}
                                                   for cohort in cohorts])
    job, _created = jobs.stage(session, ANNOUNCE_KIND, {"announcement_id": row.id, "base_url": base_url},
                               idempotency_key=f"{ANNOUNCE_KIND}:{key}", created_by=sender.id)
    jobs.dispatch_after_commit(session, current_tenant(), job)
    return row


def announcement(session: Session, payload: dict) -> int:
    """Tell the candidates of the announcement's cohorts (in the job staged above);
    returns how many were told."""
    row = session.get(Announcement, payload["announcement_id"])
    if row is None:  # deleted with its sender's college data before the job ran
        return 0
    chosen = select(announcement_cohorts.c.cohort_id).where(announcement_cohorts.c.announcement_id == row.id)
    cohorts = session.scalars(select(Cohort).where(Cohort.id.in_(chosen)))
    members = {candidate.id: candidate for cohort in cohorts for candidate in cohort.candidates}
    notes = [notifications.Note(candidate, row.title,
                                f"Hello {candidate.display_name},\n\n{row.body}\n\n-- {row.sender_name}")
             for candidate in sorted(members.values(), key=lambda user: user.id)]
    return notifications.notify_many(session, kind="announcement", key=f"announcement{row.key}", notes=notes,
                                     link="/notifications/", base_url=payload.get("base_url", ""))


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
    except (IntegrityError, notifications.NotifiedMeanwhile):
        session.rollback()
        told = 0
    return told


def assignment_reminders(session: Session, *, now: datetime, timezone: str) -> int:
    """Remind each candidate who has not finished an assignment (no submitted or scored
    attempt) that it is due within ``DUE_SOON``, or that it is overdue, on their own
    clock. A sweep, run on a schedule: the notification key (kind, assignment, candidate)
    makes every later run, or one running at the same time, send nothing again. Returns
    how many were told now."""
    told = 0
    for assignment in session.scalars(select(Assignment).where(
            Assignment.due_at > now - OVERDUE_FOR_AT_MOST, Assignment.due_at <= now + DUE_SOON)
            .order_by(Assignment.id)).all():  # read first: notifying writes as it goes
        kind = "assignment_overdue" if assignment.due_at <= now else "assignment_due"
        finished = set(session.scalars(select(Interview.candidate_id).where(
            Interview.assignment_id == assignment.id, Interview.status.in_(DONE_STATUSES))))
        waiting = [c for c in session.get(Cohort, assignment.cohort_id).candidates
                   if c.active and c.id not in finished]
        told += notifications.notify_many(
            session, kind=kind, key=f"assignment{assignment.id}", link="/dashboard",
            notes=[_reminder(kind, assignment, candidate, timezone) for candidate in waiting])
    return told


def _reminder(kind: str, assignment: Assignment, candidate: User, timezone: str) -> notifications.Note:
    name = assignment.template.name
    due = format_named(assignment.due_at, time_zones.zone_of(candidate, timezone))
    if kind == "assignment_due":
        title, what = f"Due soon: {name}", f"{name} is due {due} and you have not finished it yet."
    else:
        title, what = f"Overdue: {name}", f"{name} was due {due} and you have not finished it."
    return notifications.Note(candidate, title,
                              f"Hello {candidate.display_name},\n\n{what} Sign in to your college's portal "
                              f"and open your dashboard to see what is left.")
