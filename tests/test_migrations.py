"""`aimi db upgrade` across tenants: a broken tenant is reported, the others reach head."""

from __future__ import annotations

import uuid

from click.testing import CliRunner
from sqlalchemy import text

from aimi.platform import migrate
from aimi.web.cli import main


def _run(world, *args):
    runner = CliRunner()
    return runner.invoke(main, list(args), obj=_script_info(world), catch_exceptions=False)


def _script_info(world):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: world.app)


def test_upgrade_reports_a_broken_tenant_and_upgrades_the_rest(world):
    suffix = uuid.uuid4().hex[:6]
    refs = [world.new_tenant(f"mig-{suffix}-{i}") for i in range(3)]
    for ref in refs:
        migrate.downgrade_tenant(ref, "base")
        assert migrate.tenant_revision(ref) is None
    broken = refs[1]
    # A stray table blocks the first operation of the first migration. (MySQL commits DDL
    # as it goes, so a migration failing half-way leaves its earlier tables behind.)
    with world.database.tenant_engine(broken).begin() as conn:
        conn.execute(text("CREATE TABLE " + ("" if world.database.is_sqlite else f"`{broken.schema_name}`.")
                          + "audit_log (id INTEGER PRIMARY KEY)"))
    result = _run(world, "db", "upgrade")
    assert result.exit_code != 0
    assert f"tenant {broken.slug}: failed" in result.output
    assert "migration failed for" in result.output and broken.slug in result.output
    head = migrate.head("tenant")
    assert migrate.tenant_revision(refs[0]) == head
    assert migrate.tenant_revision(refs[2]) == head
    assert migrate.tenant_revision(broken) != head
    # Repair, re-run: everything at head, exit 0, tenants already at head are skipped.
    with world.database.tenant_engine(broken).begin() as conn:
        conn.execute(text("DROP TABLE " + ("" if world.database.is_sqlite else f"`{broken.schema_name}`.")
                          + "audit_log"))
    result = _run(world, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"tenant {broken.slug}: upgraded" in result.output
    assert f"tenant {refs[0].slug}: current" in result.output


def test_status_lists_every_schema(world):
    result = _run(world, "db", "status", "--json")
    assert result.exit_code == 0
    import json

    rows = json.loads(result.output)
    assert rows[0]["schema"] == "platform" and rows[0]["revision"] == rows[0]["head"]
    slugs = {r.get("tenant") for r in rows}
    assert {"alpha", "beta"} <= slugs
