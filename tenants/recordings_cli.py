"""``aimi recordings purge-audio``: delete audio past each college's retention period.

Run it daily (cron, or a Kubernetes CronJob; see infra/). Transcripts, delivery analyses
and scores stay; only the audio files go.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from aimi.platform.wording import plural
from aimi.tenants import recordings
from aimi.tenants import settings as tenant_settings
from aimi.tenants.cli_each_tenant import run_per_tenant


@click.group("recordings")
def recordings_group() -> None:
    """Voice recordings: retention."""


@recordings_group.command("purge-audio")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@with_appcontext
def purge_audio(slug: str | None) -> None:
    """Delete the audio of recordings older than each tenant's retention period."""

    def purge(session: Session) -> str:
        settings = tenant_settings.load(session)
        count = recordings.purge_expired(session, settings)
        session.commit()
        return (f"deleted the audio of {plural(count, 'recording')} older than "
                f"{plural(settings.audio_retention_days, 'day')}")

    run_per_tenant(slug, purge)
