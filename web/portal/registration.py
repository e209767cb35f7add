"""Self-registration under the tenant's policy: closed, invite code, e-mail domain, open."""

from __future__ import annotations

import hmac

from flask import g, render_template, request
from flask_security import RegisterFormV2
from flask_security.signals import user_registered
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length, Optional

from aimi.platform.db import tenant_session
from aimi.tenants import audit
from aimi.tenants.models import Role


class TenantRegisterForm(RegisterFormV2):
    full_name = StringField("Full name", validators=[Optional(), Length(max=120)])
    invite_code = StringField("Invite code", validators=[Optional(), Length(max=80)])

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
        if policy.registration_policy == "closed":
            ok = False
        return ok


def registration_closed_page():
    """Shown instead of the form when the tenant does not allow self-registration."""
    return render_template("portal/registration_closed.html",
                           note=g.tenant_settings.registration_note()), 403


def _on_registered(app, user, **_kwargs) -> None:
    """Self-registered users are candidates. Flask-Security commits after the view, so
    the user, the role and the audit entry are written together or not at all."""
    session = tenant_session()
    candidate = session.scalar(select(Role).where(Role.name == "candidate"))
    if candidate not in user.roles:
        user.roles.append(candidate)
    session.flush()  # gives the new user its id for the audit entry
    audit.record(session, "user.registered", actor=user, target_type="user", target_id=user.id,
                 details={"email": user.email}, ip=request.remote_addr)


def init_app(app) -> None:
    user_registered.connect(_on_registered, app)
