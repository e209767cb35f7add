"""``aimi notifications send-reminders``: the due-in-24-h and overdue reminders.

Run it every few minutes (cron, a Kubernetes CronJob, or RQ's scheduler): a run only
stages the reminders no earlier run staged, so running it twice, or two at once, sends
each reminder once. The mails go out as every notification's do (a job on the
``notifications`` queue, or in-process when Redis is not configured).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aimi.platform.timeutil import utcnow
from aimi.platform.wording import plural
from aimi.tenants import notices
from aimi.tenants import settings as tenant_settings
from aimi.tenants.cli_each_tenant import run_per_tenant


@click.group("notifications")
def notifications_group() -> None:
    """Notifications: scheduled reminders."""


@notifications_group.command("send-reminders")
@click.option("--tenant", "slug", help="Only this tenant (default: every active tenant).")
@with_appcontext
def send_reminders(slug: str | None) -> None:
    """Remind candidates of assignments due within 24 hours or overdue."""
    now = utcnow()

    def remind(session: Session) -> str:
        try:
            told = notices.assignment_reminders(session, now=now,
                                                timezone=tenant_settings.load(session).timezone)
            session.commit()
        except IntegrityError:  # a run at the same time staged them first
            session.rollback()
            told = 0
        return f"{plural(told, 'reminder')} sent"

    run_per_tenant(slug, remind, active_only=True)
