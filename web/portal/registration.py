"""Self-registration under the tenant's policy (closed, invite code, e-mail domain, open),
an optional cohort join code that puts the new candidate in that cohort, and the
confirmation of the new account's address.

Flask-Security confirms an address when its mailed link is opened (a GET). Mail scanners and
link previews open links too, so here the link opens a page whose button POSTs the same
address (with the CSRF token, ``aimi.web.guards``); only that POST confirms."""

from __future__ import annotations

import hmac

from flask import g, render_template, request
from flask_security import RegisterFormV2
from flask_security.confirmable import confirm_email_token_status
from flask_security.signals import user_registered
from wtforms import StringField
from wtforms.validators import Length, Optional

from aimi.platform.db import tenant_session
from aimi.tenants import accounts, join_codes


class TenantRegisterForm(RegisterFormV2):
    full_name = StringField("Full name", validators=[Optional(), Length(max=120)])
    invite_code = StringField("Invite code", validators=[Optional(), Length(max=80)])
    cohort_code = StringField(
        "Cohort join code (optional)", validators=[Optional(), Length(max=40)],
        description="From your placement cell: it puts you in your class's cohort, so your mentor "
                    "follows your practice. Leave it empty if you have none.")

    def validate(self, **kwargs) -> bool:
        ok = super().validate(**kwargs)
        policy = g.tenant_settings
        if policy.registration_policy == "invite_code":
            given = (self.invite_code.data or "").strip()
            if not hmac.compare_digest(given.encode(), policy.invite_code.encode()):
                self.invite_code.errors = [*self.invite_code.errors,
                                           "That invite code is not right; check it with your "
                                           "placement cell."]
                ok = False
        if (policy.registration_policy == "email_domain" and self.email.data
                and not policy.email_allowed(self.email.data)):
            self.email.errors = [*self.email.errors, policy.registration_note()]
            ok = False
        if self.cohort_code.data and self.cohort_code.data.strip() \
                and join_codes.cohort_for(tenant_session(), self.cohort_code.data) is None:
            self.cohort_code.errors = [*self.cohort_code.errors,
                                       "No cohort has this join code. Check it with your placement cell "
                                       "(letters and digits, as given), or leave it empty to register "
                                       "without a cohort."]
            ok = False
        if policy.registration_policy == "closed":
            ok = False
        return ok


def registration_closed_page():
    """Shown instead of the form when the tenant does not allow self-registration."""
    return render_template("portal/registration_closed.html",
                           note=g.tenant_settings.registration_note()), 403


def _on_registered(app, user, form_data=None, **_kwargs) -> None:
    """Self-registered users are candidates, in the cohort of the join code they gave.
    Flask-Security commits after the view, so the user, the role, the cohort and the
    audit entries are written together or not at all."""
    session = tenant_session()
    accounts.registered(session, user, request.remote_addr)
    cohort = join_codes.cohort_for(session, (form_data or {}).get("cohort_code"))
    if cohort is not None:
        join_codes.join(session, user, cohort, ip=request.remote_addr)


def _confirmation_page():
    """A valid, unused confirmation link opens the page with the button that confirms.
    Any other (expired, invalid, already used) goes to Flask-Security, which only says so."""
    if request.endpoint != "security.confirm_email" or request.method != "GET":
        return None
    expired, invalid, user = confirm_email_token_status((request.view_args or {}).get("token", ""))
    if user is None or invalid or expired or user.confirmed_at is not None:
        return None
    return render_template("security/confirm_email.html", action=request.script_root + request.path)


def init_app(app) -> None:
    user_registered.connect(_on_registered, app)
    app.before_request(_confirmation_page)
