"""Weekly digests: on Monday morning (the college's clock) each mentor is told what waits
for them (answers to review, their cohorts' progress on open assignments) and each admin
how the college used aimi in the week just ended, against the week before.

Exactly once per ISO week and person: the notification key names the week, so a second
tick, a second scheduler or a re-run stages nothing new. Someone with nothing to hear
about is sent nothing; each digest is a kind its readers can turn off or keep in the
inbox only. A digest not sent by Monday's end (the scheduler was down) is skipped: last
week's news on a Wednesday helps nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from aimi.platform.timeutil import from_local, to_local
from aimi.platform.wording import plural
from aimi.tenants import assignments, notifications, reviews
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Assignment, Interview, MentorReview
from aimi.tenants.models import Cohort, Role, User, cohort_mentors, roles_users
from aimi.tenants.notification_models import Notification

MENTOR_KIND, ADMIN_KIND = "digest_mentor", "digest_admin"
SEND_FROM = time(6, 0)  # Monday, on the college's clock
SEND_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Week:
    """An ISO week on the college's clock, as stored (naive UTC) bounds."""

    monday: date
    zone: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        year, week, _day = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def previous(self) -> Week:
        return week_of(self.monday - timedelta(days=7), self.zone)

    @property
    def named(self) -> str:
        return f"the week of {self.monday.strftime('%d %b %Y').lstrip('0')}"


def week_of(monday: date, zone: str) -> Week:
    return Week(monday, zone, from_local(datetime.combine(monday, time()), zone),
                from_local(datetime.combine(monday + timedelta(days=7), time()), zone))


def due_week(now: datetime, zone: str) -> Week | None:
    """The week whose digests are due at ``now``: the one just ended, from Monday
    ``SEND_FROM`` for ``SEND_FOR``; None at any other time."""
    aware = to_local(now, zone)
    assert aware is not None  # ``now`` is a time
    local = aware.replace(tzinfo=None)
    monday = local.date() - timedelta(days=local.weekday())
    opens = datetime.combine(monday, SEND_FROM)
    if not opens <= local < opens + SEND_FOR:
        return None
    return week_of(monday - timedelta(days=7), zone)


@dataclass(frozen=True)
class Progress:
    """One open assignment of a mentor's cohort: how many of its candidates finished it."""

    name: str
    cohort: str
    done: int
    total: int


@dataclass(frozen=True)
class MentorDigest:
    waiting: int  # answers in the mentor's "To review"
    progress: list[Progress]

    @property
    def empty(self) -> bool:
        return not self.waiting and not self.progress


@dataclass(frozen=True)
class Usage:
    interviews: int
    interviews_before: int  # in the week before
    active_candidates: int  # who started at least one interview
    reviews: int  # mentor reviews finished

    @property
    def empty(self) -> bool:
        return not (self.interviews or self.interviews_before or self.reviews)


def mentor_text(name: str, digest: MentorDigest) -> tuple[str, str]:
    """The mentor's digest: (title, body)."""
    lines = [f"Hello {name},", "",
             f"{plural(digest.waiting, 'answer')} of your candidates "
             f"{'is' if digest.waiting == 1 else 'are'} waiting for your review." if digest.waiting
             else "No answer is waiting for your review."]
    if digest.progress:
        lines += ["", "Your cohorts' open assignments:"]
        lines += [f"- {item.name} ({item.cohort}): {item.done} of {item.total} finished"
                  for item in digest.progress]
    return f"Your weekly digest: {plural(digest.waiting, 'answer')} to review", "\n".join(lines)


def admin_text(name: str, week: str, usage: Usage) -> tuple[str, str]:
    """The admin's digest: (title, body)."""
    change = usage.interviews - usage.interviews_before
    trend = "as many as" if not change else f"{abs(change)} {'more' if change > 0 else 'fewer'} than"
    body = "\n".join([
        f"Hello {name},", "", f"In {week}:",
        f"- {plural(usage.interviews, 'interview')} started ({trend} the week before: "
        f"{usage.interviews_before})",
        f"- {plural(usage.active_candidates, 'candidate')} practised",
        f"- {plural(usage.reviews, 'mentor review')} finished"])
    return f"Weekly usage: {plural(usage.interviews, 'interview')} in {week}", body


def mentor_digest(session: Session, mentor: User, now: datetime) -> MentorDigest:
    waiting = select(func.count()).select_from(reviews.queue(mentor, "to_review").subquery())
    mentored = select(cohort_mentors.c.cohort_id).where(cohort_mentors.c.user_id == mentor.id)
    open_ones = list(session.scalars(
        select(Assignment).options(joinedload(Assignment.template))
        .where(Assignment.cohort_id.in_(mentored), or_(Assignment.due_at.is_(None), Assignment.due_at > now))
        .order_by(Assignment.due_at, Assignment.id)))
    cohorts = dict(session.execute(select(Cohort.id, Cohort.name).where(
        Cohort.id.in_({a.cohort_id for a in open_ones}))).all()) if open_ones else {}
    figures = assignments.completion(session, open_ones)
    return MentorDigest(session.scalar(waiting) or 0, [
        Progress(a.template.name, cohorts[a.cohort_id], figures[a.id].done, figures[a.id].total)
        for a in open_ones])


def usage(session: Session, week: Week) -> Usage:
    def started(within: Week):
        return Interview.started_at >= within.start, Interview.started_at < within.end

    return Usage(
        session.scalar(select(func.count(Interview.id)).where(*started(week))) or 0,
        session.scalar(select(func.count(Interview.id)).where(*started(week.previous))) or 0,
        session.scalar(select(func.count(func.distinct(Interview.candidate_id))).where(*started(week))) or 0,
        session.scalar(select(func.count(MentorReview.id)).where(
            MentorReview.status == "reviewed", MentorReview.updated_at >= week.start,
            MentorReview.updated_at < week.end)) or 0)


def _people(session: Session, role: str) -> list[User]:
    return list(session.scalars(select(User).join(roles_users, roles_users.c.user_id == User.id)
                                .join(Role, Role.id == roles_users.c.role_id)
                                .where(Role.name == role, User.active.is_(True)).order_by(User.id)))


def _not_yet_told(session: Session, kind: str, week: Week, people: list[User]) -> list[User]:
    """Who has no digest of ``kind`` for ``week`` yet (its figures are not worked out again)."""
    keys = {notifications.key_for(kind, week.label, user=user): user for user in people}
    told = set(session.scalars(select(Notification.key).where(Notification.key.in_(keys)))) if keys else set()
    return [user for key, user in keys.items() if key not in told]


def weekly(session: Session, week: Week, now: datetime) -> int:
    """Stage the digests of ``week`` to the mentors and admins not told yet who have
    something to hear about; returns how many were told now."""
    notes = []
    for mentor in _not_yet_told(session, MENTOR_KIND, week, _people(session, "mentor")):
        digest = mentor_digest(session, mentor, now)
        if not digest.empty:
            notes.append(notifications.Note(mentor, *mentor_text(mentor.display_name, digest)))
    told = notifications.notify_many(session, kind=MENTOR_KIND, key=week.label, notes=notes, link="/review/")
    admins = _not_yet_told(session, ADMIN_KIND, week, _people(session, "admin"))
    figures = usage(session, week) if admins else None
    if figures is not None and not figures.empty:
        told += notifications.notify_many(
            session, kind=ADMIN_KIND, key=week.label, link="/analytics/",
            notes=[notifications.Note(admin, *admin_text(admin.display_name, week.named, figures))
                   for admin in admins])
    return told


def send_digests(session: Session, now: datetime) -> int:
    """The digests due at ``now`` (none outside Monday's window), committed; a run at the
    same time that staged them first leaves nothing to do. Returns how many were told."""
    week = due_week(now, tenant_settings.load(session).timezone)
    if week is None:
        return 0
    try:
        told = weekly(session, week, now)
        session.commit()
    except (IntegrityError, notifications.NotifiedMeanwhile):
        session.rollback()
        told = 0
    return told
