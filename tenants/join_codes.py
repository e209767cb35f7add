"""Cohort join codes: an admin shows a cohort's code to its new candidates, who give it
when they register themselves and land in that cohort (a mentor follows them from their
first interview). Codes avoid look-alike characters and are read whatever their case."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.tenants import audit
from aimi.tenants.models import Cohort, User

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 8


def normalise(code: str | None) -> str:
    """A code as typed, compared: spaces and dashes dropped, upper case."""
    return "".join(c for c in (code or "").upper() if c not in " -")


def cohort_for(session: Session, code: str | None) -> Cohort | None:
    """The cohort whose code this is, or None (no code given, or no such code)."""
    wanted = normalise(code)
    if not wanted:
        return None
    return session.scalar(select(Cohort).where(Cohort.join_code == wanted))


def regenerate(session: Session, cohort: Cohort, actor: User, *, ip: str | None = None) -> str:
    """Give the cohort a new code (the old one stops working at once; audited)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if cohort_for(session, code) is None:
            break
    cohort.join_code = code
    audit.record(session, "cohort.join_code_changed", actor=actor, target_type="cohort", target_id=cohort.id,
                 details={"name": cohort.name}, ip=ip)
    return code


def turn_off(session: Session, cohort: Cohort, actor: User, *, ip: str | None = None) -> None:
    """No code for the cohort any more (audited)."""
    cohort.join_code = None
    audit.record(session, "cohort.join_code_removed", actor=actor, target_type="cohort", target_id=cohort.id,
                 details={"name": cohort.name}, ip=ip)


def join(session: Session, user: User, cohort: Cohort, *, ip: str | None = None) -> None:
    """Put a self-registered candidate in the cohort whose code they gave (audited)."""
    cohort.candidates.append(user)
    audit.record(session, "cohort.candidate_added", actor=user, target_type="cohort", target_id=cohort.id,
                 details={"candidate_id": user.id, "email": user.email, "from": "join code"}, ip=ip)
