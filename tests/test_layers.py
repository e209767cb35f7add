"""The web layer parses input, calls the domain, commits and renders; every query lives in
``tenants/`` or ``platform/`` (docs/architecture.md). This reads the web layer's source and
fails on any SQL built there, naming the file and line."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"
# The count command of docs/architecture.md (a SQLAlchemy construct or a raw statement) ...
SQL = re.compile(r"(?<![.\w])(?<!def )(select|insert|update|delete|text)\(|\.execute\(|\.query\("
                 # ... and the filters that narrow a statement handed over by the domain.
                 r"|\.where\(|\.filter(_by)?\(|(?<![.\w])(func\.|or_\(|and_\()")


def sql_in_web() -> list[str]:
    return [f"{path.relative_to(WEB.parent)}:{number}: {line.strip()}"
            for path in sorted(WEB.rglob("*.py"))
            for number, line in enumerate(path.read_text().splitlines(), 1) if SQL.search(line)]


def test_the_check_sees_sql():
    """The pattern catches what it is there to catch (and not a string's join)."""
    caught = ["select(User).where(User.id == 1)", "session.execute(stmt)", "stmt.where(Job.status == s)",
              "func.count()", "or_(a, b)", "db.query(User)", "text('DROP TABLE x')"]
    assert all(SQL.search(line) for line in caught)
    assert not any(SQL.search(line) for line in ['", ".join(names)', "def select(self):", "form.select()"])


def test_web_builds_no_sql():
    found = sql_in_web()
    assert not found, ("SQL built in web/ (move it into a domain function in tenants/ or "
                       "platform/ and call that):\n" + "\n".join(found))
