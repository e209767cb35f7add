"""Engines and sessions for the platform schema and the per-tenant schemas.

Tenant tables are declared once under the placeholder schema ``tenant`` and mapped to
the real schema of the tenant in context with ``schema_translate_map`` on the engine,
never with ``USE`` on a pooled connection (which would leak into the next request).

- MySQL/MariaDB: one engine per database server; a tenant's engine is that server's
  engine with its translate map (``aimi_t_<slug>``), sharing the pool.
- SQLite: one file per tenant beside the platform file, translate map to ``None``.

The engines belong to a ``Database``, and each app holds its own (``create_app`` puts it in
``app.extensions["aimi_db"]``): two apps in one process never share a database. Code finds
the database of the app in context (``current_db``); code that runs with no app (scripts,
tests) binds one with ``use_database``. The scoped sessions are keyed by that database, so
a session never outlives a switch from one app to another.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

from aimi.platform.tenancy import (
    TenantRef,
    current_tenant,
    reset_tenant,
    set_tenant,
    validate_schema_name,
)

TENANT_SCHEMA = "tenant"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PlatformBase(DeclarativeBase):
    """Models of the shared platform schema."""

    metadata = MetaData(naming_convention=NAMING)


class TenantBase(DeclarativeBase):
    """Models that live once per tenant, under the placeholder schema ``tenant``."""

    metadata = MetaData(schema=TENANT_SCHEMA, naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_database(name: str):
    """The statement creating a MySQL/MariaDB database of ``name`` (already validated)."""
    return text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def build_engine(url: str) -> Engine:
    """An engine with the options aimi needs for its dialect."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() in {"mysql", "mariadb"} and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return create_engine(parsed, pool_pre_ping=True, pool_recycle=1800)


_serials = itertools.count(1)


@dataclass(eq=False)
class Database:
    """The engines of one configuration (``open_database``), held by one app."""

    url: str = ""
    servers: dict[str, str] = field(default_factory=dict)
    _platform: Engine | None = None
    serial: int = field(default_factory=lambda: next(_serials))  # keys this database's sessions
    _server_engines: dict[str, Engine] = field(default_factory=dict)
    _tenant_engines: dict[tuple[str, str], Engine] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def platform_engine(self) -> Engine:
        if self._platform is None:
            raise RuntimeError("database closed or not opened: use aimi.platform.db.open_database()")
        return self._platform

    @property
    def closed(self) -> bool:
        """Disposed: its app is done with it."""
        return self._platform is None

    @property
    def is_sqlite(self) -> bool:
        return self.platform_engine.dialect.name == "sqlite"

    @property
    def platform_schema(self) -> str | None:
        """The platform database's name on MySQL; ``None`` on SQLite."""
        return None if self.is_sqlite else make_url(self.url).database

    def schema_name_for(self, slug: str) -> str:
        """The database (MySQL) or file stem (SQLite) that holds a tenant's data."""
        prefix = "aimi" if self.is_sqlite else (self.platform_schema or "aimi")
        return validate_schema_name(f"{prefix}_t_{slug.replace('-', '_')}")

    def server_engine(self, name: str) -> Engine:
        if name == "default":
            return self.platform_engine
        with self._lock:
            if name not in self._server_engines:
                if name not in self.servers:
                    raise RuntimeError(f"unknown database server {name!r}; add it to AIMI_DB_SERVERS")
                self._server_engines[name] = build_engine(self.servers[name])
            return self._server_engines[name]

    def tenant_file(self, schema_name: str) -> Path:
        platform_file = Path(make_url(self.url).database or "aimi.db")
        return platform_file.parent / "tenants" / f"{validate_schema_name(schema_name)}.db"

    def tenant_engine(self, tenant: TenantRef) -> Engine:
        key = (tenant.db_server, tenant.schema_name)
        with self._lock:
            engine = self._tenant_engines.get(key)
        if engine is not None:
            return engine
        if self.is_sqlite:
            file = self.tenant_file(tenant.schema_name)
            engine = build_engine(f"sqlite:///{file}").execution_options(
                schema_translate_map={TENANT_SCHEMA: None}
            )
        else:
            engine = self.server_engine(tenant.db_server).execution_options(
                schema_translate_map={TENANT_SCHEMA: validate_schema_name(tenant.schema_name)}
            )
        with self._lock:
            return self._tenant_engines.setdefault(key, engine)

    def create_platform_database(self) -> bool:
        """Create the platform database on MySQL/MariaDB when it is missing (as tenant
        databases are created); True when it was created. SQLite files create themselves."""
        if self.is_sqlite:
            return False
        url = make_url(self.url)
        name = validate_schema_name(url.database or "")
        # URL.set(database=None) keeps the name; a URL is a named tuple, so replace it.
        server = build_engine(url._replace(database=None).render_as_string(hide_password=False))
        try:
            with server.begin() as conn:
                if name in {row[0] for row in conn.execute(text("SHOW DATABASES"))}:
                    return False
                conn.execute(create_database(name))
                return True
        finally:
            server.dispose()

    def schema_exists(self, tenant: TenantRef) -> bool:
        if self.is_sqlite:
            return self.tenant_file(tenant.schema_name).exists()
        engine = self.server_engine(tenant.db_server)
        return tenant.schema_name in inspect(engine).get_schema_names()

    def create_schema(self, tenant: TenantRef) -> None:
        """Create the tenant's empty schema; fails if it already exists."""
        name = validate_schema_name(tenant.schema_name)
        if self.is_sqlite:
            file = self.tenant_file(name)
            file.parent.mkdir(parents=True, exist_ok=True)
            if file.exists():
                raise FileExistsError(f"tenant database file {file} already exists")
            file.touch()
            return
        with self.server_engine(tenant.db_server).begin() as conn:
            conn.execute(create_database(name))

    def drop_schema(self, tenant: TenantRef) -> None:
        name = validate_schema_name(tenant.schema_name)
        key = (tenant.db_server, name)
        with self._lock:
            engine = self._tenant_engines.pop(key, None)
        if self.is_sqlite:
            if engine is not None:
                engine.dispose()
            file = self.tenant_file(name)
            for path in (file, Path(f"{file}-wal"), Path(f"{file}-shm")):
                path.unlink(missing_ok=True)
            return
        with self.server_engine(tenant.db_server).begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))

    def dispose(self) -> None:
        with self._lock:
            engines = [*self._tenant_engines.values(), *self._server_engines.values()]
            self._tenant_engines.clear()
            self._server_engines.clear()
        for engine in engines:
            engine.dispose()
        if self._platform is not None:
            self._platform.dispose()
            self._platform = None


APP_KEY = "aimi_db"  # app.extensions[APP_KEY]: the app's Database
_bound: ContextVar[Database | None] = ContextVar("aimi_database", default=None)


def open_database(url: str, servers: dict[str, str] | None = None) -> Database:
    """The engines for a database server (and extra tenant servers); ``dispose`` closes them."""
    return Database(url=url, servers=dict(servers or {}), _platform=build_engine(url))


def current_db() -> Database:
    """The database of the aimi app in context, else the one bound by ``use_database``."""
    if has_app_context():
        found = current_app.extensions.get(APP_KEY)
        if found is not None:
            return found
    bound = _bound.get()
    if bound is None:
        raise RuntimeError("no database in context: run inside an aimi app's context "
                           "(app.app_context()) or bind one with aimi.platform.db.use_database()")
    return bound


@contextmanager
def use_database(database: Database) -> Iterator[Database]:
    """Bind ``database`` for code that runs outside any app (scripts, tests, a job thread
    started without an app); an app in context still uses its own."""
    token = _bound.set(database)
    try:
        yield database
    finally:
        _bound.reset(token)


def _platform_scope_key() -> tuple[int, int]:
    return (threading.get_ident(), current_db().serial)


def _tenant_scope_key() -> tuple[int, int, str, str]:
    tenant = current_tenant()
    return (threading.get_ident(), current_db().serial, tenant.db_server, tenant.schema_name)


def _new_platform_session() -> Session:
    return Session(bind=current_db().platform_engine)


def _new_tenant_session() -> Session:
    return Session(bind=current_db().tenant_engine(current_tenant()), info={"realm": "tenant"})


platform_session: scoped_session[Session] = scoped_session(
    _new_platform_session, scopefunc=_platform_scope_key
)
tenant_session: scoped_session[Session] = scoped_session(
    _new_tenant_session, scopefunc=_tenant_scope_key
)


@contextmanager
def tenant_scope(tenant: TenantRef) -> Iterator[TenantRef]:
    """Run a block with ``tenant`` in context; its session is closed and the context
    restored when the block ends, whatever happens inside."""
    token = set_tenant(tenant)
    try:
        yield tenant
    finally:
        try:
            tenant_session.remove()
        finally:
            reset_tenant(token)
