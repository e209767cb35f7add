"""Tenant user accounts: create, invite, assign roles, import from CSV.

Web pages, the API and the CLI all go through these functions so the rules (valid
e-mail, known roles, audit entry for every admin change) live in one place. Functions
stage changes in the session; callers commit, so a failed request leaves nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from aimi.platform.timeutil import utcnow
from aimi.tenants import audit
from aimi.tenants.models import ROLE_NAMES, Cohort, Invitation, Role, User

INVITE_DAYS = 14
MAX_IMPORT_ROWS = 5000
IMPORT_COLUMNS = ("email", "full_name", "role", "cohort", "roll_number")
MAX_ROLL_NUMBER = 40


class AccountError(ValueError):
    """A request about an account that cannot be done; the message says why."""


def normalise_email(email: str) -> str:
    try:
        return validate_email(str(email).strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"{email!r} is not a valid e-mail address: {exc}") from exc


def check_roles(roles) -> list[str]:
    names = sorted({str(r).strip().lower() for r in roles if str(r).strip()})
    unknown = [r for r in names if r not in ROLE_NAMES]
    if unknown:
        raise AccountError(f"unknown role {', '.join(unknown)}; use {', '.join(ROLE_NAMES)}")
    if not names:
        raise AccountError(f"give at least one role: {', '.join(ROLE_NAMES)}")
    return names


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def find_by_roll_number(session: Session, roll_number: str) -> User | None:
    """The user with this roll number, whatever its case."""
    return session.scalar(select(User).where(func.lower(User.roll_number) == roll_number.strip().lower()))


def check_roll_number(session: Session, value: str | None, user: User | None = None) -> str | None:
    """A roll number as stored (surrounding spaces dropped; blank is none), or
    ``AccountError`` when it is too long or another user of the college has it."""
    roll = (value or "").strip()
    if not roll:
        return None
    if len(roll) > MAX_ROLL_NUMBER:
        raise AccountError(f"a roll number has at most {MAX_ROLL_NUMBER} characters; "
                           f"{roll[:20]!r}… is longer")
    holder = find_by_roll_number(session, roll)
    if holder is not None and holder is not user:
        raise AccountError(f"roll number {roll} already belongs to {holder.email}")
    return roll


def set_roll_number(session: Session, user: User, value: str | None, actor=None) -> bool:
    """Change a user's roll number (audited); False when it was already that."""
    roll = check_roll_number(session, value, user)
    if roll == user.roll_number:
        return False
    before, user.roll_number = user.roll_number, roll
    audit.record(session, "user.roll_number_changed", actor=actor, target_type="user", target_id=user.id,
                 details={"email": user.email, "changes": {"roll_number": [before or "", roll or ""]}})
    return True


def _roles(session: Session, names: list[str]) -> list[Role]:
    found = {r.name: r for r in session.scalars(select(Role).where(Role.name.in_(names)))}
    return [found[name] for name in names if name in found]


def listing(search: str = "", role: str = "", *, by_email: bool = False) -> Select:
    """Users by id (or by e-mail); ``search`` matches part of the e-mail, name or roll
    number whatever its case, and a known ``role`` keeps only its holders."""
    stmt = select(User).order_by(User.email if by_email else User.id)
    if search:
        needle = search.lower()
        stmt = stmt.where(or_(func.lower(User.email).contains(needle, autoescape=True),
                              func.lower(User.full_name).contains(needle, autoescape=True),
                              func.lower(User.roll_number).contains(needle, autoescape=True)))
    if role in ROLE_NAMES:
        stmt = stmt.where(User.roles.any(Role.name == role))
    return stmt


def emails_by_id(session: Session, ids: set[int]) -> dict[int, str]:
    """The e-mail address of each user in ``ids`` who still exists."""
    if not ids:
        return {}
    return {u.id: u.email for u in session.scalars(select(User).where(User.id.in_(ids)))}


def registered(session: Session, user: User, ip: str | None) -> None:
    """A self-registered user is a candidate; the registration is audited (staged with
    the new account, so both are written or neither)."""
    if "candidate" not in user.role_names:
        user.roles.extend(_roles(session, ["candidate"]))
    session.flush()  # gives the new user its id for the audit entry
    audit.record(session, "user.registered", actor=user, target_type="user", target_id=user.id,
                 details={"email": user.email}, ip=ip)


def create_user(
    session: Session,
    *,
    email: str,
    full_name: str = "",
    roles=("candidate",),
    password_hash: str | None = None,
    confirmed: bool = False,
    actor=None,
    roll_number: str | None = None,
) -> User:
    email = normalise_email(email)
    names = check_roles(roles)
    if len(full_name) > 120:
        raise AccountError("full name must be at most 120 characters")
    if find_by_email(session, email):
        raise AccountError(f"a user with e-mail {email} already exists")
    roll = check_roll_number(session, roll_number)
    user = User(
        roll_number=roll,
        email=email,
        full_name=full_name.strip(),
        password=password_hash,
        active=True,
        fs_uniquifier=uuid.uuid4().hex,
        confirmed_at=utcnow() if confirmed else None,
        roles=_roles(session, names),
    )
    session.add(user)
    session.flush()
    audit.record(session, "user.created", actor=actor, target_type="user", target_id=user.id,
                 details={"email": email, "roles": names, **({"roll_number": roll} if roll else {})})
    return user


def set_roles(session: Session, user: User, roles, actor=None) -> None:
    names = check_roles(roles)
    before = user.role_names
    if actor is not None and actor.id == user.id and "admin" in before and "admin" not in names:
        raise AccountError("you cannot remove your own admin role; ask another admin")
    user.roles = _roles(session, names)
    audit.record(session, "user.roles_changed", actor=actor, target_type="user",
                 target_id=user.id, details={"before": before, "after": names})


def set_active(session: Session, user: User, active: bool, actor=None) -> None:
    if actor is not None and actor.id == user.id and not active:
        raise AccountError("you cannot deactivate your own account")
    user.active = active
    audit.record(session, "user.activated" if active else "user.deactivated", actor=actor,
                 target_type="user", target_id=user.id, details={"email": user.email})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session: Session, *, email: str, full_name: str = "", roles=("candidate",),
           actor=None, roll_number: str | None = None) -> tuple[User, str]:
    """Create a user without a password and an invitation; returns the user and the
    one-time token (only its hash is stored) for the e-mail link."""
    user = create_user(session, email=email, full_name=full_name, roles=roles, actor=actor,
                       roll_number=roll_number)
    token = secrets.token_urlsafe(32)
    session.add(Invitation(
        email=user.email, role=",".join(user.role_names), token_hash=_token_hash(token),
        invited_by=getattr(actor, "id", None), expires_at=utcnow() + timedelta(days=INVITE_DAYS),
    ))
    audit.record(session, "user.invited", actor=actor, target_type="user", target_id=user.id,
                 details={"email": user.email})
    return user, token


def open_invitation(session: Session, token: str) -> tuple[Invitation, User]:
    """The pending invitation behind ``token`` and its user, or ``AccountError``."""
    inv = session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if inv is None:
        raise AccountError("this invitation link is not valid; ask your admin for a new one")
    if inv.accepted_at is not None:
        raise AccountError("this invitation was already used; sign in instead")
    if inv.expires_at < utcnow():
        raise AccountError("this invitation has expired; ask your admin for a new one")
    user = find_by_email(session, inv.email)
    if user is None:
        raise AccountError("the account for this invitation no longer exists")
    return inv, user


def accept_invitation(session: Session, token: str, password_hash: str) -> User:
    inv, user = open_invitation(session, token)
    user.password = password_hash
    user.confirmed_at = user.confirmed_at or utcnow()
    inv.accepted_at = utcnow()
    audit.record(session, "user.invitation_accepted", actor=user, target_type="user",
                 target_id=user.id)
    return user


@dataclass
class ImportResult:
    created: list[tuple[User, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_csv(session: Session, data: str | bytes, actor=None) -> ImportResult:
    """Invite one user per CSV row (columns: email, full_name, role, cohort, roll_number).

    Each row runs in a savepoint: a bad row is reported with its line number and
    rolled back alone, good rows are kept. The caller commits."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AccountError("the file is not UTF-8 text; save it as CSV UTF-8") from exc
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "email" not in header:
        raise AccountError(
            "the first line must be a header with at least an 'email' column "
            f"(columns: {', '.join(IMPORT_COLUMNS)})"
        )
    reader.fieldnames = header
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        raise AccountError(f"unknown columns {', '.join(unknown)}; use {', '.join(IMPORT_COLUMNS)}")
    result = ImportResult()
    cohorts = {c.name.lower(): c for c in session.scalars(select(Cohort))}
    for index, row in enumerate(reader):
        line = index + 2
        if index >= MAX_IMPORT_ROWS:
            result.errors.append((line, f"more than {MAX_IMPORT_ROWS} rows; split the file"))
            break
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        cohort_name = values.get("cohort", "")
        cohort = cohorts.get(cohort_name.lower()) if cohort_name else None
        if cohort_name and cohort is None:
            result.errors.append((line, f"no cohort named {cohort_name!r}; create it first"))
            continue
        savepoint = session.begin_nested()
        try:
            roles = (values.get("role") or "candidate").replace(";", ",").split(",")
            user, token = invite(session, email=values.get("email", ""),
                                 full_name=values.get("full_name", ""),
                                 roles=roles, actor=actor, roll_number=values.get("roll_number"))
            if cohort is not None:
                target = cohort.mentors if "mentor" in user.role_names else cohort.candidates
                target.append(user)
            savepoint.commit()
            result.created.append((user, token))
        except AccountError as exc:
            savepoint.rollback()
            result.errors.append((line, str(exc)))
    audit.record(session, "users.imported", actor=actor, target_type="user",
                 details={"created": len(result.created), "errors": len(result.errors)})
    return result
