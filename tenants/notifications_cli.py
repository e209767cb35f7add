"""``aimi notifications send-reminders``: the due-in-24-h and overdue reminders.

Run it every few minutes (cron, a Kubernetes CronJob, or RQ's scheduler): a run only
stages the reminders no earlier run staged, so running it twice, or two at once, sends
each reminder once. The mails go out as every notification's do (a job on the
``notifications`` queue, or in-process when Redis is not configured).
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.migrate import migratable_tenants
from aimi.platform.timeutil import utcnow
from aimi.tenants import notices, registry
from aimi.tenants import settings as tenant_settings


@click.group("notifications")
def notifications_group() -> None:
    """Notifications: scheduled reminders."""


@notifications_group.command("send-reminders")
@click.option("--tenant", "slug", help="Only this tenant (default: every active tenant).")
@with_appcontext
def send_reminders(slug: str | None) -> None:
    """Remind candidates of assignments due within 24 hours or overdue."""
    if slug:
        tenant = registry.by_slug(slug)
        if tenant is None:
            raise click.BadParameter(f"no tenant with slug {slug!r}; see `aimi tenants list`",
                                     param_hint="--tenant")
        tenants = [tenant]
    else:
        tenants = [tenant for tenant in migratable_tenants() if tenant.active]
    failed, now = False, utcnow()
    for tenant in tenants:
        try:
            with tenant_scope(tenant):
                session = tenant_session()
                try:
                    told = notices.assignment_reminders(
                        session, now=now, timezone=tenant_settings.load(session).timezone)
                    session.commit()
                except IntegrityError:  # a run at the same time staged them first
                    session.rollback()
                    told = 0
        except Exception as exc:  # reported per tenant; the others go on
            failed = True
            click.secho(f"{tenant.slug}: failed: {type(exc).__name__}: {exc}", fg="red", err=True)
            continue
        click.echo(f"{tenant.slug}: {told} reminder(s) sent")
    if failed:
        sys.exit(1)
