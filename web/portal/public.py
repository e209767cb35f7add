"""The tenant's landing page, the per-role dashboard, and invitations (sending the link,
accepting it)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_security import auth_required, current_user, hash_password
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from aimi.platform import mail
from aimi.platform.db import tenant_session
from aimi.tenants import accounts
from aimi.tenants.models import User

bp = Blueprint("public", __name__)


@bp.get("/")
def landing():
    return render_template("portal/landing.html", settings=g.tenant_settings)


@bp.get("/dashboard")
@auth_required("session")
def dashboard():
    roles = current_user.role_names
    primary = next((r for r in ("admin", "mentor", "candidate") if r in roles), "candidate")
    return render_template("portal/dashboard.html", primary_role=primary)


class AcceptInviteForm(FlaskForm):
    password = PasswordField("Choose a password", validators=[DataRequired(), Length(min=8)])
    password_confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", "Passwords differ")]
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    session = tenant_session()
    try:
        _inv, user = accounts.open_invitation(session, token)
    except accounts.AccountError as exc:
        return render_template("errors/error.html", code=410, title="Invitation unusable",
                               message=str(exc), home_url=url_for("public.landing")), 410
    form = AcceptInviteForm()
    if request.method == "POST" and form.validate_on_submit():
        accounts.accept_invitation(session, token, hash_password(form.password.data))
        session.commit()
        flash("Your password is set. Sign in to start practising.", "success")
        return redirect(url_for("security.login", email=user.email))
    return render_template("portal/invite_accept.html", form=form, user=user)


def send_invitation(user: User, token: str) -> None:
    """E-mail the one-time link with which an invited user chooses a password."""
    brand = g.tenant_settings.display_name
    link = url_for("public.accept_invite", token=token, _external=True)
    body = (
        f"Hello {user.display_name},\n\n"
        f"{current_user.display_name} invited you to {brand} on aimi "
        f"({', '.join(user.role_names)}).\n"
        f"Choose your password with this link; it works once, for {accounts.INVITE_DAYS} days:\n\n"
        f"{link}\n\nIf you did not expect this e-mail, you can ignore it.\n"
    )
    mail.send(current_app.extensions["aimi_settings"], user.email, f"Your invitation to {brand}", body)


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _registration_policy():
        from aimi.web.portal.registration import registration_closed_page

        if request.endpoint == "security.register" and \
                g.tenant_settings.registration_policy == "closed":
            return registration_closed_page()
        return None
