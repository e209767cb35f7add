"""Tenant admin: the user list, invitations, roles and activation, CSV import.

The rules (valid e-mail, known roles, not locking yourself out, audit entries) are in
``aimi.tenants.accounts``; these views collect input, show its errors and send the
invitation e-mails.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.orm import Session
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from aimi.platform.db import tenant_session
from aimi.tenants import accounts, audit, cohorts, erasure
from aimi.tenants.models import ROLE_NAMES, User
from aimi.web.pagination import paginate
from aimi.web.portal.manage import MultiCheckboxField, admin_view, bp, get_or_404, search_term, strip
from aimi.web.portal.public import send_invitation

ROLE_CHOICES = [SelectChoice(name, name.title()) for name in ROLE_NAMES]
SAMPLE_CSV = (
    "email,full_name,role,cohort,roll_number\n"
    "asha.rao@example.edu,Asha Rao,candidate,,21CS1042\n"
    "vikram.iyer@example.edu,Vikram Iyer,mentor,,\n"
)


class InviteForm(FlaskForm):
    email = EmailField("E-mail", filters=[strip], validators=[
        DataRequired("Give the e-mail address to invite."), Length(max=255)])
    full_name = StringField("Full name", filters=[strip], validators=[Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="candidate")


class RolesForm(FlaskForm):
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES,
                               description="Admins manage the portal; mentors review candidates.")


class RollNumberForm(FlaskForm):
    roll_number = StringField("Roll number", filters=[strip], description=(
        "The college's number for this person, as in your records; exports show it and cohort "
        "lists can be pasted by it. Leave blank for none."),
        validators=[Length(max=accounts.MAX_ROLL_NUMBER, message=(
            f"Keep the roll number to {accounts.MAX_ROLL_NUMBER} characters or fewer."))])


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])


def _send_invitations(session: Session, created: list[tuple[User, str]]) -> None:
    """Stage every new user's invitation with the accounts, then commit: the mails are
    delivered by jobs (a failure shows on /manage/jobs, where it can be re-run)."""
    for user, token in created:
        send_invitation(user, token)
    session.commit()


@bp.route("/users", methods=["GET", "POST"])
@admin_view
def users() -> ResponseReturnValue:
    """The user list with its search and role filter; a POST is the invite form."""
    session = tenant_session()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user, token = accounts.invite(session, email=form.email.data, full_name=form.full_name.data,
                                          roles=[form.role.data], actor=current_user)
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            _send_invitations(session, [(user, token)])
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("manage.users"))
    q, role = search_term(), request.args.get("role", "")
    page = paginate(session, accounts.listing(q, role, by_email=True))
    return render_template("manage/users.html", page=page, form=form, q=q, role=role,
                           roles=ROLE_NAMES), 422 if form.errors else 200


def _user_page(session: Session, user: User, form: RolesForm, status: int = 200,
               roll_form: RollNumberForm | None = None) -> ResponseReturnValue:
    return render_template("manage/user.html", user=user, form=form,
                           cohorts=cohorts.of_member(session, user),
                           history=audit.recent_about(session, "user", user.id),
                           erased=erasure.is_erased(user),
                           roll_form=roll_form or RollNumberForm(roll_number=user.roll_number or "")), status


@bp.get("/users/<int:user_id>")
@admin_view
def user(user_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = get_or_404(session, User, user_id, "user")
    return _user_page(session, found, RolesForm(roles=found.role_names))


@bp.post("/users/<int:user_id>/roles")
@admin_view
def user_roles(user_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = get_or_404(session, User, user_id, "user")
    form = RolesForm()
    if form.validate_on_submit():
        if sorted(form.roles.data) == found.role_names:
            flash("The roles were already set that way; nothing changed.", "info")
            return redirect(url_for("manage.user", user_id=found.id))
        try:
            accounts.set_roles(session, found, form.roles.data, actor=current_user)
        except accounts.AccountError as exc:
            form.roles.errors.append(str(exc))
        else:
            session.commit()
            flash(f"Roles of {found.email} are now: {', '.join(found.role_names)}.", "success")
            return redirect(url_for("manage.user", user_id=found.id))
    return _user_page(session, found, form, 422)


@bp.post("/users/<int:user_id>/roll-number")
@admin_view
def user_roll_number(user_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = get_or_404(session, User, user_id, "user")
    form = RollNumberForm()
    if form.validate_on_submit():
        try:
            changed = accounts.set_roll_number(session, found, form.roll_number.data, actor=current_user)
        except accounts.AccountError as exc:
            form.roll_number.errors.append(f"{str(exc).capitalize()}.")
        else:
            session.commit()
            flash(f"Roll number of {found.email} saved." if changed else "The roll number was already that; "
                  "nothing changed.", "success" if changed else "info")
            return redirect(url_for("manage.user", user_id=found.id))
    return _user_page(session, found, RolesForm(roles=found.role_names), 422, roll_form=form)


@bp.post("/users/<int:user_id>/active")
@admin_view
def user_active(user_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = get_or_404(session, User, user_id, "user")
    value = request.form.get("active")
    if value not in ("0", "1"):
        abort(400, "Say whether the account should be active (1) or not (0).")
    try:
        accounts.set_active(session, found, value == "1", actor=current_user)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        session.commit()
        flash(f"{found.email} can sign in again." if found.active
              else f"{found.email} is deactivated and can no longer sign in.", "success")
    return redirect(url_for("manage.user", user_id=found.id))


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@admin_view
def user_erase(user_id: int) -> ResponseReturnValue:
    """The confirmation page, then the erasure: the admin types the candidate's e-mail."""
    session = tenant_session()
    found = get_or_404(session, User, user_id, "user")
    error = None
    try:
        erasure.check(found, current_user)
    except erasure.ErasureError as exc:
        error = str(exc)
    allowed = error is None
    if request.method == "POST" and allowed:
        if request.form.get("confirm", "").strip().lower() != found.email.lower():
            error = f"Type the candidate's e-mail address, {found.email}, to confirm."
        else:
            erasure.erase(session, found, current_user, ip=request.remote_addr)
            session.commit()
            flash(f"The candidate #{found.id} is erased: their recordings, transcripts and answers are "
                  "deleted, their account is anonymous and deactivated; their scores stay, anonymous.",
                  "success")
            return redirect(url_for("manage.user", user_id=found.id))
    return render_template("manage/erase.html", user=found, error=error, allowed=allowed), \
        422 if error and request.method == "POST" else 200


@bp.route("/users/import", methods=["GET", "POST"])
@admin_view
def import_users() -> ResponseReturnValue:
    """Invite many users from a CSV file; good rows are kept, bad rows are listed."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        session = tenant_session()
        try:
            result = accounts.import_csv(session, form.file.data.read(), actor=current_user)
        except accounts.AccountError as exc:
            form.file.errors.append(str(exc))
        else:
            _send_invitations(session, result.created)
    return render_template("manage/import.html", form=form, result=result), 422 if form.errors else 200


@bp.get("/users/import/sample.csv")
@admin_view
def import_sample() -> ResponseReturnValue:
    return Response(SAMPLE_CSV, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=aimi-users-sample.csv"})
