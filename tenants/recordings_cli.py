"""``aimi recordings purge-audio``: delete audio past each college's retention period.

Run it daily (cron, or a Kubernetes CronJob; see infra/). Transcripts, delivery analyses
and scores stay; only the audio files go.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.migrate import migratable_tenants
from aimi.tenants import recordings, registry
from aimi.tenants import settings as tenant_settings


@click.group("recordings")
def recordings_group() -> None:
    """Voice recordings: retention."""


@recordings_group.command("purge-audio")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@with_appcontext
def purge_audio(slug: str | None) -> None:
    """Delete the audio of recordings older than each tenant's retention period."""
    if slug:
        tenant = registry.by_slug(slug)
        if tenant is None:
            raise click.BadParameter(f"no tenant with slug {slug!r}; see `aimi tenants list`",
                                     param_hint="--tenant")
        tenants = [tenant]
    else:
        tenants = migratable_tenants()
    failed = False
    for tenant in tenants:
        try:
            with tenant_scope(tenant):
                session = tenant_session()
                settings = tenant_settings.load(session)
                count = recordings.purge_expired(session, settings)
                session.commit()
        except Exception as exc:  # reported per tenant; the others go on
            failed = True
            click.secho(f"{tenant.slug}: failed: {type(exc).__name__}: {exc}", fg="red", err=True)
            continue
        click.echo(f"{tenant.slug}: deleted the audio of {count} recording(s) older than "
                   f"{settings.audio_retention_days} day(s)")
    if failed:
        sys.exit(1)
