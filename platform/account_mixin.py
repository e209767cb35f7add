"""Columns every login-capable account needs, shared by tenant users and super-admins.

Declared as a mixin so both tables keep one definition of what Flask-Security reads
(uniquifier, confirmation, tracking, TOTP) instead of two copies that drift apart.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import g, has_request_context, session
from flask_security import UserMixin
from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from aimi.platform.timeutil import utcnow

# The session key recording which identity (fs_uniquifier) passed the second factor.
SECOND_FACTOR_PROOF = "aimi_tf_proof"


class AccountMixin(UserMixin):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    fs_uniquifier: Mapped[str] = mapped_column(String(64), unique=True)
    # API tokens carry this instead of fs_uniquifier, so logout can revoke them alone.
    fs_token_uniquifier: Mapped[str] = mapped_column(String(64), unique=True,
                                                     default=lambda: uuid.uuid4().hex)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    current_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_ip: Mapped[str | None] = mapped_column(String(64))
    current_login_ip: Mapped[str | None] = mapped_column(String(64))
    login_count: Mapped[int | None] = mapped_column(Integer)
    tf_primary_method: Mapped[str | None] = mapped_column(String(64))
    tf_totp_secret: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Flask-Security reads this during two-factor setup; aimi offers no SMS codes, so it
    # is a constant rather than a column.
    tf_phone_number = None

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)

    def augment_auth_token(self, tdata: dict) -> None:
        """A token carries whether the sign-in that issued it passed the second factor."""
        tdata["tf"] = has_request_context() and session.get(SECOND_FACTOR_PROOF) == self.fs_uniquifier

    def verify_auth_token(self, data: dict) -> bool:
        valid = super().verify_auth_token(data)
        if valid:
            g.aimi_token_second_factor = bool(data.get("tf"))
        return valid
