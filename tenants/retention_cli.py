"""``aimi retention purge``: warn candidates nearing their college's retention period, erase
those whose warning ran out, and delete expired data-export files. The scheduler runs the
same purge daily (``aimi.plugins.retention_jobs``); this command is for a run by hand, and
``--dry-run`` lists who would be warned or erased and changes nothing."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.platform.wording import plural
from aimi.tenants import retention
from aimi.tenants import settings as tenant_settings
from aimi.tenants.cli_each_tenant import run_per_tenant


@click.group("retention")
def retention_group() -> None:
    """Candidates' data: inactive accounts and expired exports."""


@retention_group.command("purge")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@click.option("--dry-run", is_flag=True, help="Say who would be warned or erased; change nothing.")
@with_appcontext
def purge(slug: str | None, dry_run: bool) -> None:
    """Warn and erase candidates inactive beyond the tenant's setting; delete expired exports."""
    portal = f"{current_app.extensions['aimi_settings'].public_url}/t/"

    def work(session: Session) -> str:
        settings = tenant_settings.load(session)
        done = retention.purge(session, settings, dry_run=dry_run, portal_url=portal + current_tenant().slug)
        if not dry_run:
            session.commit()
        years = settings.inactive_account_years
        policy = f"inactive over {plural(years, 'year')}" if years else "retention off"
        erase, warn, delete = ("would erase", "would warn", "would delete") if dry_run else \
            ("erased", "warned", "deleted")
        who = "".join(f"\n  {'warn' if found in done.warned else 'erase'} {found.email} (last active "
                      f"{found.last_active:%Y-%m-%d}, erased on {found.erase_on:%Y-%m-%d})"
                      for found in [*done.warned, *done.accounts])
        return (f"{erase} {len(done.accounts)} candidate account(s) ({policy}); {warn} {len(done.warned)}; "
                f"{delete} {done.exports} expired export file(s){who}")

    run_per_tenant(slug, work)
