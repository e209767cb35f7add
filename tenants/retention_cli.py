"""``aimi retention purge``: erase candidate accounts unused beyond each college's retention
setting and delete expired data-export files. Run it daily (cron, like purge-audio);
``--dry-run`` lists who would be erased and changes nothing."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from aimi.tenants import retention
from aimi.tenants import settings as tenant_settings
from aimi.tenants.cli_each_tenant import run_per_tenant


@click.group("retention")
def retention_group() -> None:
    """Candidates' data: inactive accounts and expired exports."""


@retention_group.command("purge")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@click.option("--dry-run", is_flag=True, help="Say who would be erased; change nothing.")
@with_appcontext
def purge(slug: str | None, dry_run: bool) -> None:
    """Erase candidates inactive beyond the tenant's setting; delete expired export files."""

    def work(session: Session) -> str:
        settings = tenant_settings.load(session)
        done = retention.purge(session, settings, dry_run=dry_run)
        if not dry_run:
            session.commit()
        verb = "would erase" if dry_run else "erased"
        years = settings.inactive_account_years
        who = "".join(f"\n  {found.email} (last active {found.last_active:%Y-%m-%d})"
                      for found in done.accounts)
        policy = f"inactive over {years} year(s)" if years else "retention off"
        return (f"{verb} {len(done.accounts)} candidate account(s) ({policy}); "
                f"{'would delete' if dry_run else 'deleted'} {done.exports} expired export file(s){who}")

    run_per_tenant(slug, work)
