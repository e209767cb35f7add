"""The ``aimi`` command: Flask's CLI plus database, tenant and account commands.

Imports of the database layer and of anything heavier sit inside the commands that use them:
``aimi --help`` then loads Flask and click only (see cli_group for the lazy commands)."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext

from aimi.web.cli_group import AimiGroup, LazyCommand, uses_app_unless_default

if TYPE_CHECKING:
    from aimi.platform.models import SuperAdmin

# Commands whose modules are heavy (spaCy, PyAV, CTranslate2, RQ, the plugin manager) load
# when they run; their help line is written here so `aimi --help` needs none of them.
LAZY = {
    "evaluate-batch": LazyCommand("aimi.plugins.batch:evaluate_batch",
                                  "Score answers offline: JSON Lines in (id, question, answer, and optional "
                                  "reference_answers, rubric, keywords, type), one report per line out."),
    "transcribe": LazyCommand("aimi.plugins.speech_cli:transcribe_command",
                              "Transcribe a recording (WebM, Ogg, MP4, WAV, ...) with a speech provider."),
    "analyse-speech": LazyCommand("aimi.plugins.speech_cli:analyse_speech_command",
                                  "Transcribe a recording, then measure its delivery: pace, pauses, fillers, "
                                  "pitch, loudness."),
    "plugins": LazyCommand("aimi.plugins.cli:plugins_group", "Installed plugins and each tenant's choices."),
    "notifications": LazyCommand("aimi.tenants.notifications_cli:notifications_group",
                                 "Notifications: scheduled reminders."),
    "recordings": LazyCommand("aimi.tenants.recordings_cli:recordings_group", "Voice recordings: retention."),
    "retention": LazyCommand("aimi.tenants.retention_cli:retention_group",
                             "Candidates' data: inactive accounts and expired exports."),
    "worker": LazyCommand("aimi.plugins.worker:worker_command",
                          "Run background jobs (scoring, speech, notifications) from Redis."),
    "scheduler": LazyCommand("aimi.plugins.worker:scheduler_command",
                             "Move delayed jobs and retries to their queue when due (needed when no worker "
                             "runs with --with-scheduler)."),
}


def _create_app():
    from aimi.web.app import create_app

    return create_app()


platform_db = uses_app_unless_default(_create_app)


def _hasher():
    from aimi.web.security import password_hasher

    return password_hasher(current_app.extensions["aimi_portal"])


def _fail(message: str) -> NoReturn:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)


@click.group(cls=AimiGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False, lazy=LAZY)
def main() -> None:
    """aimi: AI mock interviews for colleges (multi-tenant)."""


@main.group()
def db() -> None:
    """Database schemas and migrations."""


@main.group()
def security() -> None:
    """Secrets and their rotation (README: Rotating secrets)."""


@security.command("legacy-secrets")
def legacy_secrets() -> None:
    """Print the password salt and TOTP key this deployment used so far (derived from
    AIMI_SECRET_KEY): set them as AIMI_PASSWORD_SALT and AIMI_TOTP_SECRETS, and the
    secret key can then be rotated without breaking passwords or two-factor sign-in."""
    from aimi.platform import config

    key = os.environ.get("AIMI_SECRET_KEY")
    if not key:
        _fail("set AIMI_SECRET_KEY to the key the deployment runs with now")
    digest = config.legacy_digest(key)
    click.echo(f"AIMI_PASSWORD_SALT={digest[:32]}")
    click.echo(f"AIMI_TOTP_SECRETS=1={digest[32:]}")


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create the platform database if it is missing, then upgrade the platform schema
    and every tenant schema to head."""
    from sqlalchemy.exc import OperationalError

    from aimi.platform import migrate
    from aimi.platform.db import create_database, current_db

    db_state = current_db()

    try:
        created = db_state.create_platform_database()
    except OperationalError as exc:
        name = db_state.platform_schema or "aimi"
        _fail(f"cannot reach or create the platform database ({exc.orig}); create it yourself: "
              f"{create_database(name)}; then grant aimi's user all privileges on it and on "
              f"`{name}_t_%` (tenant databases), and run `aimi db upgrade` again")
    if created:
        click.echo(f"platform: created database {db_state.platform_schema}")
    migrate.upgrade_platform()
    click.echo(f"platform: at {migrate.platform_revision()}")
    results = migrate.upgrade_tenants()
    for r in results:
        line = f"tenant {r.slug}: {r.status} ({r.before or 'empty'} -> {r.after or '?'})"
        if r.status == "failed":
            click.secho(f"{line}: {r.error}", fg="red", err=True)
        else:
            click.echo(line)
    failed = [r.slug for r in results if r.status == "failed"]
    click.echo(f"{len(results) - len(failed)} tenant(s) at head, {len(failed)} failed")
    if failed:
        _fail(f"migration failed for: {', '.join(failed)}; the other tenants are upgraded")


@db.command("status", with_appcontext=False)  # platform_db pushes no app
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@platform_db
def db_status(as_json: bool) -> None:
    """Show the revision of the platform schema and of each tenant schema."""
    from aimi.platform import migrate

    heads = {"platform": migrate.head("platform"), "tenant": migrate.head("tenant")}
    rows = [{"schema": "platform", "revision": migrate.platform_revision(),
             "head": heads["platform"]}]
    for tenant in migrate.migratable_tenants():
        try:
            revision = migrate.tenant_revision(tenant)
        except Exception as exc:
            revision = f"error: {type(exc).__name__}"
        rows.append({"schema": tenant.schema_name, "tenant": tenant.slug, "revision": revision,
                     "head": heads["tenant"]})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        mark = "ok" if row["revision"] == row["head"] else "BEHIND"
        click.echo(f"{row['schema']:<40} {row['revision'] or 'empty':<12} {mark}")


@main.group()
def tenants() -> None:
    """Create, list, suspend, resume and delete tenants."""


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The college's display name.")
@click.option("--admin-email", required=True)
@click.option("--admin-password", required=True,
              help="At least 10 characters and hard to guess (zxcvbn score 3 or more).")
@click.option("--admin-name", default="", help="The first admin's full name.")
@click.option("--db-server", default="default", show_default=True,
              help="Which database server (AIMI_DB_SERVERS) holds the tenant.")
@with_appcontext
def tenants_create(slug, name, admin_email, admin_password, admin_name, db_server) -> None:
    """Provision a tenant: schema, migrations, roles, settings and its first admin."""
    from aimi.tenants import provisioning

    spec = provisioning.NewTenant(slug, name, admin_email, admin_password, admin_name, db_server)
    try:
        ref = provisioning.create_tenant(spec, _hasher())
    except provisioning.ProvisioningError as exc:
        _fail(str(exc))
    click.echo(f"created tenant {ref.slug} ({ref.name}) in schema {ref.schema_name}")


@tenants.command("list", with_appcontext=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@platform_db
def tenants_list(as_json: bool) -> None:
    """List tenants with their status and schema."""
    from aimi.platform import directory

    rows = directory.every_tenant()
    data = [{"slug": t.slug, "name": t.name, "status": t.status, "schema": t.schema_name,
             "db_server": t.db_server, "domains": [d.domain for d in t.domains],
             "created_at": t.created_at.isoformat() + "Z"} for t in rows]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data:
        click.echo("no tenants yet; create one with `aimi tenants create SLUG --name ...`")
    for t in data:
        click.echo(f"{t['slug']:<24} {t['status']:<12} {t['schema']:<32} {t['name']}")


def _status_command(status: str, verb: str):
    @click.argument("slug")
    @platform_db
    def command(slug: str) -> None:
        from aimi.tenants import provisioning

        try:
            provisioning.set_status(slug, status)
        except provisioning.ProvisioningError as exc:
            _fail(str(exc))
        click.echo(f"tenant {slug} {verb}")

    command.__doc__ = f"Mark a tenant {status}."
    return command


tenants.command("suspend", with_appcontext=False)(_status_command("suspended", "suspended"))
tenants.command("resume", with_appcontext=False)(_status_command("active", "resumed"))


@tenants.command("delete")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Confirm: the schema is dropped after export.")
@with_appcontext
def tenants_delete(slug: str, yes: bool) -> None:
    """Export a tenant's data to an archive, then drop its schema and row."""
    from aimi.tenants import provisioning

    if not yes:
        _fail("deleting drops all of the tenant's data; repeat with --yes to confirm")
    settings = current_app.extensions["aimi_settings"]
    try:
        archive = provisioning.delete_tenant(slug, settings.effective_export_dir)
    except provisioning.ProvisioningError as exc:
        _fail(str(exc))
    click.echo(f"tenant {slug} deleted; its data was exported to {archive}")


@tenants.command("add-domain", with_appcontext=False)
@click.argument("slug")
@click.argument("domain")
@platform_db
def tenants_add_domain(slug: str, domain: str) -> None:
    """Serve a tenant on a custom domain too (point its DNS at aimi)."""
    from aimi.tenants import provisioning

    try:
        provisioning.add_domain(slug, domain)
    except provisioning.ProvisioningError as exc:
        _fail(str(exc))
    click.echo(f"{domain} now reaches tenant {slug}")


@main.command("create-superadmin")
@click.option("--email", required=True)
@click.option("--password", required=True,
              help="At least 10 characters and hard to guess (zxcvbn score 3 or more).")
@click.option("--name", default="Platform admin")
@with_appcontext
def create_superadmin(email: str, password: str, name: str) -> None:
    """Create a super-admin (platform schema) for the /admin console."""
    from aimi.platform import passwords
    from aimi.tenants.accounts import AccountError, normalise_email

    try:
        email = normalise_email(email)
    except AccountError as exc:
        _fail(str(exc))
    weak = passwords.weakness(password, (email, name))
    if weak:
        _fail(f"the password is too weak. {weak}")
    ensure_superadmin(email, password, name)
    click.echo(f"super-admin {email} ready")


def ensure_superadmin(email: str, password: str, name: str) -> SuperAdmin:
    """Create the super-admin if missing (idempotent), hashing as the portal does."""
    from aimi.platform import superadmins

    return superadmins.ensure(email, password, name, _hasher())


@main.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """Create the demo tenant, its users, weeks of scored practice and a super-admin (safe
    to re-run); the logins printed point at AIMI_PUBLIC_URL."""
    from aimi.tenants import demo

    for line in demo.seed_demo(_hasher(), current_app.extensions["aimi_settings"].public_url):
        click.echo(line)


