"""The tenant's landing page, the per-role dashboard and accepting an invitation."""

from __future__ import annotations

from aimi.platform.db import tenant_session
from aimi.tenants import accounts
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_security import auth_required, current_user, hash_password
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

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


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _registration_policy():
        from aimi.web.portal.registration import registration_closed_page

        if request.endpoint == "security.register" and \
                g.tenant_settings.registration_policy == "closed":
            return registration_closed_page()
        return None
