"""A cohort's candidates, managed by search and by lists: find candidates by name, e-mail
or roll number to add one at a time, or paste (or upload) a list of e-mails or roll
numbers. A list is checked line by line first and applied only when every line is
usable, so a typo never leaves half a list added. Every change is audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from aimi.tenants import audit
from aimi.tenants.models import Cohort, Role, User, cohort_candidates

MAX_LINES = 2000
HEADERS = {"email", "e-mail", "roll_number", "roll number", "roll no", "roll"}


class ListError(ValueError):
    """The list as a whole cannot be read (empty, too long, not text); the message says why."""


class NotACandidateHere(LookupError):
    """No candidate with this id can be added to (or removed from) this cohort."""


def _matching(stmt: Select, search: str) -> Select:
    if not search:
        return stmt
    needle = search.lower()
    return stmt.where(or_(func.lower(User.full_name).contains(needle, autoescape=True),
                          func.lower(User.email).contains(needle, autoescape=True),
                          func.lower(User.roll_number).contains(needle, autoescape=True)))


def _in_cohort(cohort_id: int) -> Select:
    return select(cohort_candidates.c.user_id).where(cohort_candidates.c.cohort_id == cohort_id)


def members(cohort_id: int, search: str = "") -> Select:
    """The cohort's candidates by name, matching ``search`` when given."""
    stmt = select(User).where(User.id.in_(_in_cohort(cohort_id))).order_by(User.full_name, User.email)
    return _matching(stmt, search)


def addable(cohort_id: int, search: str = "") -> Select:
    """Active candidates not yet in the cohort, by name, matching ``search`` when given."""
    stmt = (select(User).where(User.roles.any(Role.name == "candidate"), User.active.is_(True),
                               User.id.not_in(_in_cohort(cohort_id)))
            .order_by(User.full_name, User.email))
    return _matching(stmt, search)


@dataclass(frozen=True)
class Line:
    """One line of a pasted list: ``status`` is add, member (already in), repeat (same
    person as an earlier line) or error, with ``reason`` saying why."""

    number: int
    value: str
    status: str
    reason: str = ""
    user: User | None = None


@dataclass
class Matched:
    lines: list[Line] = field(default_factory=list)

    @property
    def errors(self) -> list[Line]:
        return [line for line in self.lines if line.status == "error"]

    @property
    def to_add(self) -> list[User]:
        return [line.user for line in self.lines if line.status == "add" and line.user is not None]

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)


def read_list(data: str | bytes) -> list[tuple[int, str]]:
    """The (line number, value) pairs of a list: one e-mail or roll number a line, or a
    CSV whose first column holds them; a header line and blank lines are skipped."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ListError("The file is not UTF-8 text; save it as CSV UTF-8 and upload it again.") from exc
    found: list[tuple[int, str]] = []
    for number, row in enumerate(csv.reader(io.StringIO(data)), start=1):
        value = next((cell.strip() for cell in row if cell.strip()), "")
        if not value or (not found and value.lower() in HEADERS):
            continue
        found.append((number, value))
    if not found:
        raise ListError("The list is empty: give one e-mail address or roll number a line.")
    if len(found) > MAX_LINES:
        raise ListError(f"The list has {len(found)} lines; give at most {MAX_LINES} at a time.")
    return found


def _lookup(session: Session, column, values: Iterable[str]) -> dict[str, User]:
    wanted = sorted({v.lower() for v in values})
    if not wanted:
        return {}
    return {getattr(u, column.key).lower(): u
            for u in session.scalars(select(User).where(func.lower(column).in_(wanted)))}


def match(session: Session, cohort: Cohort, data: str | bytes) -> Matched:
    """Check every line of a list against the college's users (a fixed number of queries)."""
    entries = read_list(data)
    by_email = _lookup(session, User.email, (v for _n, v in entries if "@" in v))
    by_roll = _lookup(session, User.roll_number, (v for _n, v in entries if "@" not in v))
    current = {u.id for u in cohort.candidates}
    seen: dict[int, int] = {}
    result = Matched()
    for number, value in entries:
        is_email = "@" in value
        user = (by_email if is_email else by_roll).get(value.lower())
        if user is None:
            what = "e-mail address" if is_email else "roll number"
            result.lines.append(Line(number, value, "error", f"No one in your college has this {what}."))
        elif "candidate" not in user.role_names:
            roles = ", ".join(user.role_names)
            result.lines.append(Line(number, value, "error", f"{user.email} is not a candidate ({roles}).",
                                     user))
        elif not user.active:
            result.lines.append(Line(number, value, "error",
                                     f"{user.email} is deactivated; reactivate the account first.", user))
        elif user.id in seen:
            result.lines.append(Line(number, value, "repeat", f"Same person as line {seen[user.id]}.", user))
        elif user.id in current:
            seen[user.id] = number
            result.lines.append(Line(number, value, "member", "Already in the cohort.", user))
        else:
            seen[user.id] = number
            result.lines.append(Line(number, value, "add", "", user))
    return result


def add_list(session: Session, cohort: Cohort, matched: Matched, actor: User, *,
             ip: str | None = None) -> int:
    """Add a checked list's new members, only when no line has an error (audited);
    returns how many were added."""
    if matched.errors:
        raise ListError("Some lines do not match a candidate; nothing was added.")
    added = matched.to_add
    if added:
        cohort.candidates.extend(added)
        audit.record(session, "cohort.updated", actor=actor, target_type="cohort", target_id=cohort.id,
                     details={"name": cohort.name, "candidates_added": [u.email for u in added],
                              "from": "list"}, ip=ip)
    return len(added)


def add_one(session: Session, cohort: Cohort, user_id: int, actor: User, *,
            ip: str | None = None) -> User:
    """Add one candidate found by search (audited), or ``NotACandidateHere``."""
    user = session.scalar(addable(cohort.id).where(User.id == user_id))
    if user is None:
        raise NotACandidateHere(user_id)
    cohort.candidates.append(user)
    audit.record(session, "cohort.updated", actor=actor, target_type="cohort", target_id=cohort.id,
                 details={"name": cohort.name, "candidates_added": [user.email]}, ip=ip)
    return user


def remove(session: Session, cohort: Cohort, user_id: int, actor: User, *, ip: str | None = None) -> User:
    """Take one candidate out of the cohort (their account stays; audited)."""
    user = next((u for u in cohort.candidates if u.id == user_id), None)
    if user is None:
        raise NotACandidateHere(user_id)
    cohort.candidates.remove(user)
    audit.record(session, "cohort.updated", actor=actor, target_type="cohort", target_id=cohort.id,
                 details={"name": cohort.name, "candidates_removed": [user.email]}, ip=ip)
    return user
