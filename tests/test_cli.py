"""The `aimi` command: tenants from creation to deletion, with clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo
from helpers import PASSWORD

from aimi.web.cli import main


def aimi(world, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: world.app))


def test_tenant_lifecycle(world):
    slug = f"cli-{uuid.uuid4().hex[:6]}"
    created = aimi(world, "tenants", "create", slug, "--name", "CLI College",
                   "--admin-email", f"admin@{slug}.example.com", "--admin-password", PASSWORD)
    assert created.exit_code == 0, created.output
    listed = json.loads(aimi(world, "tenants", "list", "--json").output)
    row = next(t for t in listed if t["slug"] == slug)
    assert row["status"] == "active" and row["name"] == "CLI College"

    again = aimi(world, "tenants", "create", slug, "--name", "Other",
                 "--admin-email", "x@y.example.com", "--admin-password", PASSWORD)
    assert again.exit_code == 1 and "already exists" in again.output

    assert aimi(world, "tenants", "suspend", slug).exit_code == 0
    assert world.client().get(f"/t/{slug}/").status_code == 403
    assert aimi(world, "tenants", "resume", slug).exit_code == 0
    assert world.client().get(f"/t/{slug}/").status_code == 200

    refused = aimi(world, "tenants", "delete", slug)
    assert refused.exit_code == 1 and "--yes" in refused.output
    deleted = aimi(world, "tenants", "delete", slug, "--yes")
    assert deleted.exit_code == 0, deleted.output
    archive = Path(deleted.output.strip().rsplit(" ", 1)[-1])
    assert archive.exists() and archive.suffix == ".zip"
    assert slug not in aimi(world, "tenants", "list").output
    assert world.client().get(f"/t/{slug}/").status_code == 404


def test_bad_arguments_are_explained(world):
    reserved = aimi(world, "tenants", "create", "admin", "--name", "X",
                    "--admin-email", "a@b.example.com", "--admin-password", PASSWORD)
    assert reserved.exit_code == 1 and "reserved" in reserved.output
    missing = aimi(world, "tenants", "create", "some-college")
    assert missing.exit_code == 2 and "--name" in missing.output
    weak = aimi(world, "tenants", "create", f"cli-{uuid.uuid4().hex[:6]}", "--name", "X",
                "--admin-email", "a@b.example.com", "--admin-password", "aaaaaaaaaaaa")
    assert weak.exit_code == 1 and "too weak" in weak.output and "uncommon words" in weak.output
    unknown = aimi(world, "tenants", "suspend", "no-such-college")
    assert unknown.exit_code == 1 and "no tenant with slug" in unknown.output


def test_create_superadmin_then_console_login(world):
    email = f"ops-{uuid.uuid4().hex[:6]}@aimi.example.com"
    weak = aimi(world, "create-superadmin", "--email", email, "--password", "short")
    assert weak.exit_code == 1 and "shorter than 10 characters" in weak.output
    common = aimi(world, "create-superadmin", "--email", email, "--password", "password1234")
    assert common.exit_code == 1 and "too weak" in common.output and "uncommon words" in common.output
    assert aimi(world, "create-superadmin", "--email", email, "--password", PASSWORD).exit_code == 0
    resp = world.client().post("/admin/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200


HEAVY = ("spacy", "thinc", "torch", "av", "ctranslate2", "faster_whisper", "pocketsphinx", "rq")


def _modules_after(args: list[str], tmp_path: Path) -> set[str]:
    """The heavy modules a fresh process has imported after running ``aimi ARGS``."""
    script = ("import sys\nfrom aimi.web.cli import main\n"
              f"try:\n    main({args!r})\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
              f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    env = {**os.environ, "AIMI_INSTANCE_PATH": str(tmp_path),
           "AIMI_DATABASE_URL": f"sqlite:///{tmp_path}/aimi.db"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split("\n")[-2].split())


def test_help_and_platform_commands_import_nothing_heavy(tmp_path):
    """`aimi --help` and `aimi tenants list` stay fast: spaCy, torch, PyAV, CTranslate2 and RQ
    load only in the commands that use them (timings: benchmarks/cli_startup.py)."""
    assert _modules_after(["--help"], tmp_path) == set()
    _modules_after(["db", "upgrade"], tmp_path)  # the platform schema for `tenants list`
    assert _modules_after(["tenants", "list"], tmp_path) == set()
    assert _modules_after(["transcribe", "--help"], tmp_path) >= {"av"}  # loaded when used


def test_lazy_commands_are_listed_with_their_own_help():
    from aimi.web.cli import LAZY

    listed = CliRunner().invoke(main, ["--help"]).output
    for name, lazy in LAZY.items():
        command = main.get_command(None, name)
        assert command.name == name and lazy.help == command.get_short_help_str(1000)
        assert name in listed
