"""Tenant admin: cohorts, their mentors and their candidates; every change is audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from aimi.platform.db import tenant_session
from aimi.tenants import cohorts as cohort_rules
from aimi.tenants.models import Cohort, User
from aimi.web.pagination import paginate
from aimi.web.portal.manage import MultiCheckboxField, admin_view, bp, get_or_404, record, search_term, strip

FIELDS = ("name", "batch", "description")
GROUPS = ("mentors", "candidates")


class CohortForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Give the cohort a name."),
        Length(max=120, message="Keep the name to 120 characters or fewer.")])
    batch = StringField("Batch or year", filters=[strip], description="For example 2025 or MBA 2024-26.",
                        validators=[Length(max=40, message="Keep the batch to 40 characters or fewer.")])
    description = TextAreaField("Description", filters=[strip], validators=[
        Length(max=2000, message="Keep the description to 2000 characters or fewer.")])

    def name_is_free(self, session: Session, cohort_id: int | None = None) -> bool:
        """Cohort names are unique in a college, whatever their case."""
        if not cohort_rules.name_taken(session, self.name.data, cohort_id):
            return True
        self.name.errors.append(f"A cohort named {self.name.data!r} already exists; choose another name.")
        return False


class CohortEditForm(CohortForm):
    mentors = MultiCheckboxField("Mentors", coerce=int, description="People with the mentor role.")
    candidates = MultiCheckboxField("Candidates", coerce=int, description="People with the candidate role.")


@bp.route("/cohorts", methods=["GET", "POST"])
@admin_view
def cohorts() -> ResponseReturnValue:
    """The cohort list with member counts; a POST is the create form."""
    session = tenant_session()
    form = CohortForm()
    if form.validate_on_submit() and form.name_is_free(session):
        cohort = Cohort(**{name: form[name].data or "" for name in FIELDS})
        session.add(cohort)
        session.flush()
        record(session, "cohort.created", target_type="cohort", target_id=cohort.id,
               details={"name": cohort.name, "batch": cohort.batch})
        session.commit()
        flash(f"Cohort {cohort.name} created. Now add its mentors and candidates.", "success")
        return redirect(url_for("manage.cohort", cohort_id=cohort.id))
    q = search_term()
    page = paginate(session, cohort_rules.listing(q), scalars=False)
    return render_template("manage/cohorts.html", page=page, form=form, q=q), 422 if form.errors else 200


def _choice(user: User) -> SelectChoice:
    label = f"{user.full_name} ({user.email})" if user.full_name else user.email
    return SelectChoice(user.id, label if user.active else f"{label}, deactivated")


def _apply(cohort: Cohort, form: CohortEditForm, pools: dict[str, list[User]]) -> dict:
    """Copy the form onto the cohort; returns what changed, for the audit log."""
    details: dict = {}
    changed = {}
    for name in FIELDS:
        old, new = getattr(cohort, name), form[name].data or ""
        if old != new:
            changed[name] = [old, new]
            setattr(cohort, name, new)
    if changed:
        details["changes"] = changed
    for group in GROUPS:
        by_id = {u.id: u for u in pools[group]}
        old, new = getattr(cohort, group), [by_id[i] for i in form[group].data]
        added, removed = [u.email for u in new if u not in old], [u.email for u in old if u not in new]
        if added:
            details[f"{group}_added"] = added
        if removed:
            details[f"{group}_removed"] = removed
        setattr(cohort, group, new)
    return details


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@admin_view
def cohort(cohort_id: int) -> ResponseReturnValue:
    """Rename a cohort and choose its mentors and candidates."""
    session = tenant_session()
    found = get_or_404(session, Cohort, cohort_id, "cohort")
    data = {name: getattr(found, name) for name in FIELDS}
    data.update({group: [u.id for u in getattr(found, group)] for group in GROUPS})
    form = CohortEditForm(data=data)
    pools = {group: cohort_rules.candidates_for(session, group, getattr(found, group)) for group in GROUPS}
    for group in GROUPS:
        form[group].choices = [_choice(u) for u in pools[group]]
    if form.validate_on_submit() and form.name_is_free(session, found.id):
        details = _apply(found, form, pools)
        if details:
            record(session, "cohort.updated", target_type="cohort", target_id=found.id,
                   details={"name": found.name, **details})
            session.commit()
            flash(f"Cohort {found.name} saved.", "success")
        else:
            flash("Nothing changed.", "info")
        return redirect(url_for("manage.cohort", cohort_id=found.id))
    return render_template("manage/cohort.html", cohort=found, form=form), 422 if form.errors else 200


@bp.post("/cohorts/<int:cohort_id>/delete")
@admin_view
def delete_cohort(cohort_id: int) -> ResponseReturnValue:
    """Delete a cohort; its people keep their accounts."""
    session = tenant_session()
    found = get_or_404(session, Cohort, cohort_id, "cohort")
    name = found.name
    record(session, "cohort.deleted", target_type="cohort", target_id=found.id,
           details={"name": name, "mentors": len(found.mentors),
                    "candidates": len(found.candidates)})
    session.delete(found)
    session.commit()
    flash(f"Cohort {name} deleted. Its mentors and candidates keep their accounts.", "success")
    return redirect(url_for("manage.cohorts"))
