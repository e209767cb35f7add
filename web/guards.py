"""Portal-wide checks that run after the tenant is known: CSRF on signed-out forms (login
CSRF), rate limits (``aimi.web.throttle``), and mandatory two-factor for admins, proven by
this session or token (``aimi.web.second_factor``)."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_security import current_user, logout_user

from aimi.platform.config import Settings
from aimi.web import second_factor, throttle
from aimi.web.flaskbase import error_response, wants_json

# Forms a signed-out visitor posts: a cross-site page must not post them for the victim.
# JSON bodies are exempt: a browser sends one cross-site only after a CORS preflight,
# which aimi never grants.
SIGNED_OUT_FORMS = {"security.login", "security.register", "security.forgot_password",
                    "security.reset_password", "security.send_confirmation", "security.confirm_email"}
TWO_FACTOR_FREE = {"security.logout", "security.two_factor_setup", "static",
                   "security.two_factor_setup_validate", "security.two_factor_token_validation",
                   "security.verify"}


def init_app(app: Flask, settings: Settings, realm_of) -> None:
    """``realm_of()`` names the realm for the rate-limit keys: the tenant slug, or
    "_console", which no slug can be."""

    @app.before_request
    def _check_signed_out_forms():
        if request.method == "POST" and request.endpoint in SIGNED_OUT_FORMS and not request.is_json:
            app.extensions["csrf"].protect()  # a 400 without the form's token

    throttle.init_app(app, settings, realm_of)

    @app.before_request
    def _require_two_factor():
        if not settings.two_factor_required or request.endpoint in TWO_FACTOR_FREE:
            return None
        if not current_user.is_authenticated:
            return None
        needs = getattr(current_user, "requires_two_factor", None)
        if needs is None or not needs():
            return None
        if not current_user.tf_primary_method:
            if wants_json():
                return error_response(403, "Set up two-factor sign-in first: your role requires "
                                           "it. Open the two-factor setup page in a browser.")
            return redirect(url_for("security.two_factor_setup"))
        if second_factor.proven():
            return None
        message = ("This sign-in did not pass two-factor authentication. Sign in again with "
                   "your password and the code from your authenticator app.")
        if wants_json():
            return error_response(401, message)
        logout_user()
        flash(message, "error")
        return redirect(url_for("security.login"))

