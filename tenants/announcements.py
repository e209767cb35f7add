"""The history of announcements: who sent what to which cohorts, when, and how far it got
(each recipient's notification: e-mailed, inbox only, or not e-mailed and why).

Admins see every announcement of their college; a mentor sees the ones they sent and the
ones sent to a cohort they mentor.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from aimi.tenants.assignments import is_admin
from aimi.tenants.models import User, cohort_mentors
from aimi.tenants.notification_models import Announcement, Notification, announcement_cohorts
from aimi.tenants.notifications import key_for

NOT_MAILED = ("failed", "uncertain", "suppressed")


def visible_to(user: User) -> Select:
    """The announcements ``user`` may see, newest first."""
    stmt = select(Announcement).order_by(Announcement.created_at.desc(), Announcement.id.desc())
    if is_admin(user):
        return stmt
    mentored = (select(announcement_cohorts.c.announcement_id)
                .join(cohort_mentors, cohort_mentors.c.cohort_id == announcement_cohorts.c.cohort_id)
                .where(cohort_mentors.c.user_id == user.id))
    return stmt.where(or_(Announcement.sender_id == user.id, Announcement.id.in_(mentored)))


@dataclass(frozen=True)
class Delivery:
    """How an announcement's notifications stand."""

    recipients: int = 0
    emailed: int = 0  # the provider accepted the mail
    inbox_only: int = 0  # the recipient chose the inbox only
    not_emailed: int = 0  # refused, suppressed, or uncertain after a stopped worker
    waiting: int = 0  # queued or being sent


def deliveries(session: Session, announcements: list[Announcement]) -> dict[int, Delivery]:
    """The delivery of each announcement (one query each: a page holds a few)."""
    found = {}
    for row in announcements:
        prefix = key_for("announcement", f"announcement{row.key}", email="")
        counts = Counter(dict(session.execute(
            select(Notification.email_status, func.count()).where(Notification.key.startswith(prefix,
                                                                                                autoescape=True))
            .group_by(Notification.email_status)).all()))
        found[row.id] = Delivery(sum(counts.values()), counts["sent"], counts["none"],
                                 sum(counts[status] for status in NOT_MAILED),
                                 counts["queued"] + counts["sending"])
    return found
