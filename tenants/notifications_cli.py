"""``aimi notifications send-reminders``: the due-in-24-h and overdue reminders.

Workers and the web process already run it every few minutes (``aimi.plugins.schedule``);
this command is for cron or a one-off run. A run only stages the reminders no earlier
run staged, so running it twice, or two at once, sends each reminder once. The mails go
out as every notification's do (a job on the ``notifications`` queue, or in-process when
Redis is not configured).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from aimi.platform.timeutil import utcnow
from aimi.platform.wording import plural
from aimi.tenants import notices
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
    run_per_tenant(slug, lambda session: f"{plural(notices.send_reminders(session, now), 'reminder')} sent",
                   active_only=True)
