"""Self-registration under the tenant's policy: closed, invite code, e-mail domain, open;
an optional cohort join code puts the new candidate in that cohort."""

from __future__ import annotations

import hmac

from flask import g, render_template, request
from flask_security import RegisterFormV2
from flask_security.signals import user_registered
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length, Optional

from aimi.platform.db import tenant_session
from aimi.tenants import audit, join_codes
from aimi.tenants.models import Role


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
    candidate = session.scalar(select(Role).where(Role.name == "candidate"))
    if candidate not in user.roles:
        user.roles.append(candidate)
    session.flush()  # gives the new user its id for the audit entry
    audit.record(session, "user.registered", actor=user, target_type="user", target_id=user.id,
                 details={"email": user.email}, ip=request.remote_addr)
    cohort = join_codes.cohort_for(session, (form_data or {}).get("cohort_code"))
    if cohort is not None:
        join_codes.join(session, user, cohort, ip=request.remote_addr)


def init_app(app) -> None:
    user_registered.connect(_on_registered, app)
