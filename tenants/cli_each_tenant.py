"""One way for maintenance commands to run per tenant: ``--tenant SLUG`` or every tenant,
each in its own tenant scope, a failure reported and the others still run, exit 1 if any
failed."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from sqlalchemy.orm import Session

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.migrate import migratable_tenants
from aimi.tenants import registry


def run_per_tenant(slug: str | None, work: Callable[[Session], str], *, active_only: bool = False) -> None:
    """Call ``work(session)`` in each chosen tenant's scope and echo the line it returns;
    ``work`` commits what it changed."""
    if slug:
        tenant = registry.by_slug(slug)
        if tenant is None:
            raise click.BadParameter(f"no tenant with slug {slug!r}; see `aimi tenants list`",
                                     param_hint="--tenant")
        tenants = [tenant]
    else:
        tenants = [t for t in migratable_tenants() if t.active or not active_only]
    failed = False
    for tenant in tenants:
        try:
            with tenant_scope(tenant):
                line = work(tenant_session())
        except Exception as exc:  # reported per tenant; the others go on
            failed = True
            click.secho(f"{tenant.slug}: failed: {type(exc).__name__}: {exc}", fg="red", err=True)
            continue
        click.echo(f"{tenant.slug}: {line}")
    if failed:
        sys.exit(1)
