"""The tenant's landing page, the per-role dashboard, and invitations (sending the link,
accepting it)."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_security import auth_required, current_user, hash_password
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from aimi.platform.db import tenant_session
from aimi.platform.timeutil import format_local
from aimi.platform.wording import plural
from aimi.tenants import accounts, analytics, assignments, notifications, progress, readiness, unassigned
from aimi.tenants.interview_models import ROLES
from aimi.tenants.models import User
from aimi.tenants.progress import Scored
from aimi.web.portal import charts

bp = Blueprint("public", __name__)
CHART_INTERVIEWS = 30  # the progress chart shows this many latest interviews
HISTORY_ROWS = 10


@bp.get("/")
def landing():
    return render_template("portal/landing.html", settings=g.tenant_settings)


@bp.get("/dashboard")
@auth_required("session")
def dashboard():
    """One page per role: a candidate's progress, a mentor's cohorts, an admin's figures."""
    roles = current_user.role_names
    primary = next((r for r in ("admin", "mentor", "candidate") if r in roles), "candidate")
    session = tenant_session()
    if primary == "admin":
        return render_template("portal/dashboard_admin.html", figures=analytics.tenant_figures(session),
                               unassigned=unassigned.count(session))
    if primary == "mentor":
        return render_template("portal/dashboard_mentor.html", queue=_endpoint("review.queue"),
                               cohorts=progress.mentor_cohorts(session, current_user.id),
                               unassigned=unassigned.count(session))
    return _candidate_dashboard(session)


def _candidate_dashboard(session):
    tz = g.tenant_settings.timezone
    scored = progress.history(session, current_user.id)
    shown = scored[-CHART_INTERVIEWS:]
    dimensions = progress.dimensions_of(shown)
    chart = None
    if shown:
        latest = ", ".join(f"{n} {v:.0f}" for n, v in sorted(shown[-1].dimensions.items()))
        chart = charts.line_chart(
            "progress-chart", "Your scores per dimension over time",
            f"Scores from 0 to 100 in each dimension over your last "
            f"{plural(len(shown), 'scored interview')}. "
            f"Latest: {latest or 'no dimension scored'}.",
            [format_local(s.started_at, tz, "%d %b") for s in shown],
            {n: [s.dimensions.get(n) for s in shown] for n in dimensions})
    first, second, error = _picked(scored)
    due = [a for a in assignments.assignments_for(current_user, session) if not a.completed]
    return render_template(
        "portal/dashboard_candidate.html", scored=scored, chart=chart, history=scored[::-1][:HISTORY_ROWS],
        first=first, second=second, error=error,
        comparison=progress.compare(first, second) if first and second else None,
        badges=progress.badges(scored, tz), recommendation=progress.recommend(scored), due=due,
        roles=ROLES, no_cohort=not unassigned.in_a_cohort(session, current_user),
        readiness=readiness.by_role(scored), recent=readiness.RECENT,
    ), 422 if error else 200


def _picked(scored: list[Scored]) -> tuple[Scored | None, Scored | None, str | None]:
    """The two interviews to compare: the query's ``a`` and ``b`` if both are the
    candidate's own scored interviews, otherwise the latest two."""
    own = {s.id: s for s in scored}
    if "a" not in request.args and "b" not in request.args:
        return (scored[-2], scored[-1], None) if len(scored) > 1 else (None, None, None)
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    if a not in own or b not in own:
        return None, None, "Choose two of your own scored interviews to compare."
    if a == b:
        return None, None, "Choose two different interviews to compare."
    return own[a], own[b], None


def _endpoint(name: str) -> str | None:
    return name if name in current_app.view_functions else None


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
    """Stage the e-mail with the one-time link with which an invited user chooses a
    password; it goes out when the caller commits the invitation."""
    brand = g.tenant_settings.display_name
    link = url_for("public.accept_invite", token=token, _external=True)
    body = (
        f"Hello {user.display_name},\n\n"
        f"{current_user.display_name} invited you to {brand} on aimi "
        f"({', '.join(user.role_names)}).\n"
        f"Choose your password with this link; it works once, for {accounts.INVITE_DAYS} days:\n\n"
        f"{link}\n\nIf you did not expect this e-mail, you can ignore it.\n"
    )
    notifications.notify(tenant_session(), kind="invitation", key=hashlib.sha256(token.encode()).hexdigest(),
                         user=user, title=f"Your invitation to {brand}", body=body)


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _registration_policy():
        from aimi.web.portal.registration import registration_closed_page

        if request.endpoint == "security.register" and \
                g.tenant_settings.registration_policy == "closed":
            return registration_closed_page()
        return None
