"""What aimi tells people, and when: one function per cause, each staging the
notifications of its recipients in the cause's own transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aimi.platform.timeutil import format_local
from aimi.tenants import notifications
from aimi.tenants.interview_models import Assignment, Interview, InterviewAnswer, MentorReview
from aimi.tenants.models import Cohort, User


def assignment_published(session: Session, assignment: Assignment, *, timezone: str,
                         base_url: str = "") -> int:
    """Tell each candidate of the assignment's cohort; returns how many were told."""
    cohort = session.get(Cohort, assignment.cohort_id)
    name = assignment.template.name
    told = 0
    for candidate in cohort.candidates:
        due = format_local(assignment.due_at, timezone)
        row = notifications.notify(
            session, kind="assignment_published", key=f"assignment{assignment.id}", user=candidate,
            title=f"New assignment: {name}", link="/dashboard", base_url=base_url,
            body=f"Hello {candidate.display_name},\n\n{name} was assigned to your cohort {cohort.name}"
                 f"{f'; it is due {due}' if due else ''}. Start it from your dashboard.")
        told += row is not None
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
