"""``aimi plugins``: what is installed, and with ``--tenant`` what one college chose."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import with_appcontext

from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import get_manager
from aimi.tenants import registry


@click.group("plugins")
def plugins_group() -> None:
    """Installed plugins and each tenant's choices."""


@plugins_group.command("list")
@click.option("--tenant", "slug", help="Also show this tenant's on/off state and options.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def list_plugins(slug: str | None, as_json: bool) -> None:
    """List every plugin with its hooks and where it comes from."""
    manager = get_manager()
    rows: list[dict[str, Any]] = [
        {"name": p.name, "source": p.source, "builtin": p.builtin, "hooks": list(p.hooks)}
        for p in manager.info()
    ]
    if slug:
        tenant = registry.by_slug(slug)
        if tenant is None:
            click.secho(f"Error: no tenant with slug {slug!r}", fg="red", err=True)
            sys.exit(1)
        with tenant_scope(tenant):
            states = plugin_settings.load(tenant_session(), manager)
        for row in rows:
            state = states[row["name"]]
            row["enabled"] = state.enabled
            row["options"] = plugin_settings.shown(manager.option_specs(row["name"]), state.options)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        status = "" if "enabled" not in row else ("enabled " if row["enabled"] else "disabled")
        click.echo(f"{row['name']:<20} {status:<9}{row['source']:<32} {', '.join(row['hooks'])}")
        for key, value in row.get("options", {}).items():
            click.echo(f"    {key} = {json.dumps(value)}")
