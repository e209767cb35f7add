"""The real services the tests use (MariaDB, Redis, Chromium): where they are, whether they
answer, and the databases a run makes on them. Imported by tests, fixtures and benchmarks
(nothing imports conftest)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

MYSQL_URL = os.environ.get("AIMI_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
REDIS_URL = os.environ.get("AIMI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("AIMI_TEST_REQUIRE_SERVICES") == "1"
RUN_ID = uuid.uuid4().hex[:8]  # names this run's MariaDB databases: aimit_<RUN_ID>...
unavailable: dict[str, str] = {}  # service -> why, for the summary at the end of the run


def need_service(name: str, probe: Callable[[], object]) -> None:
    """Skip (or fail, under AIMI_TEST_REQUIRE_SERVICES=1) when a service is down."""
    if name in unavailable:
        reason = unavailable[name]
    else:
        try:
            probe()
            return
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            unavailable[name] = reason
    message = f"{name} unreachable ({reason})"
    if REQUIRE:
        pytest.fail(f"{message} and AIMI_TEST_REQUIRE_SERVICES=1")
    pytest.skip(message)


def probe_mysql() -> None:
    engine = create_engine(MYSQL_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def database_url(backend: str, tmp: Path) -> str:
    """A new, empty platform database of ``backend`` (a file under ``tmp`` for SQLite)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'aimi.db'}"
    need_service("mysql", probe_mysql)
    name = f"aimit_{RUN_ID}"
    admin = create_engine(MYSQL_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return str(make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False))


def drop_test_databases() -> None:
    """Drop every MariaDB database this run made (platform and tenants)."""
    admin = create_engine(MYSQL_URL)
    with admin.begin() as conn:
        names = [r[0] for r in conn.execute(text(f"SHOW DATABASES LIKE 'aimit\\_{RUN_ID}%'"))]
        for name in names:
            conn.execute(text(f"DROP DATABASE `{name}`"))
    admin.dispose()
