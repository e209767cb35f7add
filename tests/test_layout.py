"""The distribution: every folder with Python files ships in the wheel, and
``platform/`` never shadows the standard library."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_SHIPPED = {"tests", "benchmarks", "infra", "docs", "build", "dist", ".venv", ".git", "instance"}
FOLDER_TO_PACKAGE = {
    "platform": "aimi/platform",
    "tenants": "aimi/tenants",
    "plugins": "aimi/plugins",
    "evaluators": "aimi/evaluators",
    "integrations": "aimi/integrations",
    "web": "aimi/web",
    "migrations": "aimi/migrations",
}


def python_folders() -> set[Path]:
    found = set()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in NOT_SHIPPED or rel.parts[0].startswith(".") or len(rel.parts) < 2:
            continue
        if "__pycache__" in rel.parts or rel.parts[0].endswith(".egg-info"):
            continue
        found.add(rel.parent)
    return found


def test_platform_has_no_top_level_init():
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_standard_platform_module_still_importable_from_repo_root():
    out = subprocess.run(
        [sys.executable, "-c", "import platform, uuid; print(platform.system())"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip()


def test_every_python_folder_is_in_the_wheel(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("aimi-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    dirs = {str(Path(n).parent) for n in names if n.endswith(".py")}
    missing = []
    for folder in python_folders():
        top, *rest = folder.parts
        assert top in FOLDER_TO_PACKAGE, f"top-level folder {top}/ has Python files but no package"
        expected = str(Path(FOLDER_TO_PACKAGE[top], *rest))
        if expected not in dirs:
            missing.append(str(folder))
    assert not missing, f"folders missing from the wheel: {missing}"
    assert any(n.startswith("aimi/web/templates/") for n in names), "templates not shipped"
    assert any(n.startswith("aimi/migrations/tenant/versions/") for n in names)
