"""Flask-Security-Too wiring shared by the tenant portal and the super-admin console.

Both apps get the same hashing, CSRF and TOTP settings (so a hash made in one verifies
in the other); each gets its own datastore: tenant users live in the tenant schema,
super-admins in the platform schema.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app
from flask_security import MailUtil, Security, SQLAlchemySessionUserDatastore, hash_password
from flask_wtf import CSRFProtect

from aimi.platform import mail
from aimi.platform.config import Settings
from aimi.web import second_factor


def security_config(settings: Settings, *, issuer: str) -> dict:
    digest = hashlib.sha256(settings.secret_key.encode()).hexdigest()
    return {
        "SECURITY_PASSWORD_HASH": "argon2",
        "SECURITY_PASSWORD_SALT": digest[:32],
        "SECURITY_PASSWORD_LENGTH_MIN": 8,
        "SECURITY_TRACKABLE": True,
        "SECURITY_CHANGEABLE": True,
        "SECURITY_RECOVERABLE": True,
        "SECURITY_TWO_FACTOR": True,
        "SECURITY_TWO_FACTOR_ENABLED_METHODS": ["authenticator"],
        "SECURITY_TWO_FACTOR_ALWAYS_VALIDATE": True,
        "SECURITY_TOTP_SECRETS": {"1": digest[32:]},
        "SECURITY_TOTP_ISSUER": issuer,
        "SECURITY_EMAIL_SENDER": settings.mail_sender,
        # Same rule as aimi.tenants.accounts.normalise_email: syntax only, no DNS lookup
        # (which fails offline and would reject every address in the demo).
        "SECURITY_EMAIL_VALIDATOR_ARGS": {"check_deliverability": False},
        "SECURITY_REDIRECT_BEHAVIOR": None,
        "SECURITY_FLASH_MESSAGES": True,
        "SECURITY_TOKEN_MAX_AGE": 7 * 24 * 3600,
        # CSRF: forms and session-authenticated calls are checked; token calls are not.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "SECURITY_CSRF_PROTECT_MECHANISMS": ["session", "basic"],
        "SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS": True,
        "SECURITY_RETURN_GENERIC_RESPONSES": False,
    }


class OutboxMailUtil(MailUtil):
    """Hands Flask-Security's mails to aimi's mail sender (SMTP or the local outbox)."""

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs) -> None:
        to = recipient if isinstance(recipient, str) else f"{recipient[0]} <{recipient[1]}>"
        mail.send(current_app.extensions["aimi_settings"], to, str(subject), body or "", html)


def init_security(app: Flask, datastore: SQLAlchemySessionUserDatastore, **forms) -> Security:
    CSRFProtect(app)
    security = Security(app, datastore, mail_util_cls=OutboxMailUtil, **forms)
    second_factor.init_app(app, datastore)
    return security


def password_hasher(app: Flask):
    """A function hashing passwords exactly as the app's Flask-Security does."""

    def hasher(password: str) -> str:
        with app.app_context():
            return hash_password(password)

    return hasher
