"""Console pages: list, create, inspect, suspend and resume tenants; the platform audit log.

Every change goes through ``aimi.tenants.provisioning`` so the console, the CLI and the
tests share one set of rules, and every change is written to the platform audit log
with the signed-in super-admin as its actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import auth_required, current_user, roles_required
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from aimi.platform import directory, passwords
from aimi.platform.db import platform_session
from aimi.platform.models import TENANT_STATUSES, Tenant
from aimi.tenants import provisioning
from aimi.web.pagination import paginate
from aimi.web.security import password_hasher

bp = Blueprint("console", __name__)
T = TypeVar("T")


def superadmin_only(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Session sign-in (which also checks CSRF on writes) and the super-admin role."""
    return auth_required("session")(roles_required("superadmin")(view))


def provision(action: Callable[..., T], *args, **kwargs) -> T:
    """Call a provisioning function as the signed-in super-admin. It commits and closes
    the platform session, which detaches the super-admin loaded from it; re-attach them so
    the page rendered afterwards can still show who is signed in."""
    actor = current_user._get_current_object()
    try:
        return action(*args, actor=actor.email, **kwargs)
    finally:
        platform_session.add(actor)


@bp.get("/")
@superadmin_only
def tenants() -> ResponseReturnValue:
    search = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    page = paginate(platform_session, directory.tenants(search, status))
    return render_template("console/tenants.html", page=page, search=search,
                           status=status, statuses=TENANT_STATUSES)


def strong_password(_form: FlaskForm, field: PasswordField) -> None:
    """The portal's password policy, so the first admin's password is no weaker than others'."""
    weak = passwords.weakness(field.data or "")
    if weak:
        raise ValidationError(weak)


class NewTenantForm(FlaskForm):
    slug = StringField("Slug", validators=[DataRequired()],
                       description="Lower-case letters, digits and hyphens; the portal lives at "
                                   "/t/<slug>/. It cannot be changed later.")
    name = StringField("College name", validators=[DataRequired()])
    admin_email = EmailField("Admin e-mail", validators=[DataRequired()])
    admin_password = PasswordField(
        "Admin password",
        validators=[DataRequired(), strong_password],
        description=f"At least {passwords.MIN_LENGTH} characters and hard to guess (the same rule "
                    "as every password in the portal); share it with the admin securely.")
    admin_name = StringField("Admin name", validators=[Length(max=120)],
                             description="Optional; shown in the portal.")


@bp.route("/tenants/new", methods=["GET", "POST"])
@superadmin_only
def new_tenant() -> ResponseReturnValue:
    form = NewTenantForm()
    if form.validate_on_submit():
        spec = provisioning.NewTenant(form.slug.data.strip(), form.name.data,
                                      form.admin_email.data, form.admin_password.data,
                                      form.admin_name.data or "")
        try:
            ref = provision(provisioning.create_tenant, spec,
                            password_hasher(current_app._get_current_object()))  # type: ignore[attr-defined]
        except provisioning.ProvisioningError as exc:
            form.form_errors.append(_sentence(str(exc)))
        else:
            flash(f"Tenant {ref.slug} is ready; its admin can sign in at /t/{ref.slug}/login.",
                  "success")
            return redirect(url_for("console.tenant", slug=ref.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("console/new_tenant.html", form=form), status


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _tenant_or_404(slug: str) -> Tenant:
    row = directory.find(slug)
    if row is None:
        abort(404, f"No tenant with slug {slug!r}.")
    return row


class DomainForm(FlaskForm):
    domain = StringField("Custom domain", validators=[DataRequired(), Length(max=253)],
                         description="Point the domain's DNS at aimi first, e.g. "
                                     "interviews.college.edu.")


@bp.get("/tenants/<slug>")
@superadmin_only
def tenant(slug: str) -> ResponseReturnValue:
    return _tenant_page(_tenant_or_404(slug), DomainForm())


def _tenant_page(row: Tenant, domain_form: DomainForm, status: int = 200) -> ResponseReturnValue:
    return render_template("console/tenant.html", tenant=row, domain_form=domain_form), status


@bp.post("/tenants/<slug>/domains")
@superadmin_only
def add_domain(slug: str) -> ResponseReturnValue:
    _tenant_or_404(slug)
    form = DomainForm()
    if form.validate_on_submit():
        try:
            provision(provisioning.add_domain, slug, form.domain.data)
        except provisioning.ProvisioningError as exc:
            form.domain.errors = [_sentence(str(exc))]
        else:
            flash(f"{form.domain.data.strip().lower()} now reaches {slug}.", "success")
            return redirect(url_for("console.tenant", slug=slug))
    return _tenant_page(_tenant_or_404(slug), form, 422)


@bp.post("/tenants/<slug>/status")
@superadmin_only
def set_status(slug: str) -> ResponseReturnValue:
    _tenant_or_404(slug)
    wanted = request.form.get("status", "")
    try:
        provision(provisioning.set_status, slug, wanted)
    except provisioning.ProvisioningError as exc:
        flash(_sentence(str(exc)), "error")
    else:
        verb = "suspended: its users cannot sign in" if wanted == "suspended" else "active again"
        flash(f"Tenant {slug} is {verb}.", "success")
    return redirect(url_for("console.tenant", slug=slug))


@bp.get("/audit")
@superadmin_only
def audit() -> ResponseReturnValue:
    return render_template("console/audit.html", page=paginate(platform_session, directory.audit_log()))


def nav_items() -> list[dict]:
    """The console's main navigation for signed-in super-admins."""
    items = (("Tenants", "console.tenants"), ("New tenant", "console.new_tenant"),
             ("Audit log", "console.audit"))
    return [{"label": label, "url": url_for(endpoint), "active": request.endpoint == endpoint}
            for label, endpoint in items]

