"""Writing many rows in one statement per batch, for fan-outs to thousands of people.

``insert_new`` skips a row whose unique key is taken (each backend's own way: SQLite's
``ON CONFLICT DO NOTHING``, MariaDB's ``INSERT IGNORE``) instead of failing the batch,
and says how many rows it wrote, so a caller can tell whether another run wrote some of
them first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Insert, Table
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

# Rows per INSERT: 500 rows of a dozen columns stay far below SQLite's 32,766 bound
# parameters and MariaDB's max_allowed_packet.
ROWS_PER_STATEMENT = 500


def insert_new(session: Session, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts of column values, all with the same keys) in multi-row
    INSERTs, skipping those whose unique key exists; returns how many were written."""
    dialect = session.get_bind().dialect.name
    written = 0
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start:start + ROWS_PER_STATEMENT]
        statement: Insert
        if dialect == "sqlite":
            statement = sqlite_insert(table).values(chunk).on_conflict_do_nothing()
        elif dialect in ("mysql", "mariadb"):
            statement = mysql_insert(table).values(chunk).prefix_with("IGNORE")
        else:
            raise NotImplementedError(f"insert_new supports SQLite and MariaDB, not {dialect}")
        result = session.execute(statement)
        assert isinstance(result, CursorResult)  # an INSERT's result counts its rows
        written += result.rowcount
    return written
