"""Flask-Security-Too wiring shared by the tenant portal and the super-admin console.

Both apps get the same hashing, CSRF and TOTP settings (so a hash made in one verifies
in the other); each gets its own datastore: tenant users live in the tenant schema,
super-admins in the platform schema.
"""

from __future__ import annotations

import uuid

from flask import Flask, Response, after_this_request, has_request_context
from flask_security import MailUtil, PasswordUtil, Security, SQLAlchemySessionUserDatastore, hash_password
from flask_wtf import CSRFProtect

from aimi.platform import passwords
from aimi.platform.config import Settings
from aimi.platform.db import tenant_session
from aimi.platform.tenancy import maybe_current_tenant
from aimi.plugins.manager import get_manager
from aimi.plugins.types import Message
from aimi.tenants import account_mail, notifications
from aimi.tenants import settings as tenant_settings
from aimi.tenants.models import User
from aimi.web import second_factor, tokens

TOKEN_MAX_AGE = 12 * 3600  # a working day; a client signs in again for a new one
# passlib's smallest argon2 cost (Settings.fast_password_hashing, tests only); a hash keeps
# its own parameters, so either cost checks the other's hashes.
FAST_ARGON2 = {"argon2__memory_cost": 8, "argon2__rounds": 1, "argon2__parallelism": 1}


def security_config(settings: Settings, *, issuer: str) -> dict:
    return {
        "SECURITY_PASSWORD_HASH": "argon2",
        "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": FAST_ARGON2 if settings.fast_password_hashing else {},
        "SECURITY_PASSWORD_SALT": settings.effective_password_salt,
        # aimi.platform.passwords' policy: zxcvbn estimates how guessable a password is;
        # its advice ("Add another word or two...") is what the form shows.
        "SECURITY_PASSWORD_LENGTH_MIN": passwords.MIN_LENGTH,
        "SECURITY_PASSWORD_COMPLEXITY_CHECKER": "zxcvbn",
        "SECURITY_ZXCVBN_MINIMUM_SCORE": passwords.MIN_SCORE,
        "SECURITY_TRACKABLE": True,
        "SECURITY_CHANGEABLE": True,
        "SECURITY_RECOVERABLE": True,
        "SECURITY_TWO_FACTOR": True,
        "SECURITY_TWO_FACTOR_ENABLED_METHODS": ["authenticator"],
        "SECURITY_TWO_FACTOR_ALWAYS_VALIDATE": True,
        "SECURITY_TOTP_SECRETS": settings.effective_totp_secrets,
        "SECURITY_TOTP_ISSUER": issuer,
        "SECURITY_EMAIL_SENDER": settings.mail_sender,
        # Same rule as aimi.tenants.accounts.normalise_email: syntax only, no DNS lookup
        # (which fails offline and would reject every address in the demo).
        "SECURITY_EMAIL_VALIDATOR_ARGS": {"check_deliverability": False},
        "SECURITY_REDIRECT_BEHAVIOR": None,
        "SECURITY_FLASH_MESSAGES": True,
        "SECURITY_TOKEN_MAX_AGE": TOKEN_MAX_AGE,
        # CSRF: forms and session-authenticated calls are checked; token calls are not.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "SECURITY_CSRF_PROTECT_MECHANISMS": ["session", "basic"],
        "SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS": True,
        # The same answer whether or not an account exists (login, reset, registration).
        "SECURITY_RETURN_GENERIC_RESPONSES": True,
    }


class AdvisingPasswordUtil(PasswordUtil):
    """Flask-Security's checks (length, then zxcvbn's estimate), each refusal followed by
    what to choose instead: zxcvbn's warning alone ("This is a very common password.")
    does not say."""

    def validate(self, password: str, is_register: bool, **kwargs) -> tuple[list | None, str]:
        errors, normalized = super().validate(password, is_register, **kwargs)
        return ([*errors, passwords.ADVICE] if errors else errors), normalized


class NotificationMailUtil(MailUtil):
    """Flask-Security's mails (confirmation, reset, notices) become essential notifications,
    staged in the request's transaction and mailed by a job once it commits, their subjects
    naming the college (``aimi.tenants.account_mail``). The platform
    console has no tenant schema: its operators' mails go to the provider directly."""

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs) -> None:
        to = recipient if isinstance(recipient, str) else f"{recipient[0]} <{recipient[1]}>"
        if maybe_current_tenant() is None:
            get_manager().send_message(Message(to=to, subject=str(subject), body=body or "", html=html),
                                       tenant=None, settings={})
            return
        user, session = kwargs.get("user"), tenant_session()
        college = tenant_settings.load(session).display_name
        notifications.notify(session, kind="account", key=f"{template}:{uuid.uuid4().hex}",
                             title=account_mail.subject(template, college, str(subject)), body=body or "",
                             html=html, email=to,
                             user=user if isinstance(user, User) else None)
        if has_request_context():
            after_this_request(_commit_if_ok)


def _commit_if_ok(response: Response) -> Response:
    """Commit the mail's notification with the request's work (some Flask-Security views,
    e.g. the reset request, write nothing and never commit), unless the request failed."""
    if response.status_code < 400:
        tenant_session().commit()
    return response


def init_security(app: Flask, datastore: SQLAlchemySessionUserDatastore, **forms) -> Security:
    CSRFProtect(app)
    security = Security(app, datastore, mail_util_cls=NotificationMailUtil,
                        password_util_cls=AdvisingPasswordUtil, **forms)
    second_factor.init_app(app, datastore)
    tokens.init_app(app, datastore)
    return security


def password_hasher(app: Flask):
    """A function hashing passwords exactly as the app's Flask-Security does."""

    def hasher(password: str) -> str:
        with app.app_context():
            return hash_password(password)

    return hasher
