"""Tenant admin: cohorts, their mentors and their candidates; every change is audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session, lazyload
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from aimi.platform.db import tenant_session
from aimi.tenants.models import Cohort, Role, User, cohort_candidates, cohort_mentors
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
        taken = select(Cohort.id).where(func.lower(Cohort.name) == self.name.data.lower())
        if cohort_id is not None:
            taken = taken.where(Cohort.id != cohort_id)
        if session.scalar(taken) is None:
            return True
        self.name.errors.append(f"A cohort named {self.name.data!r} already exists; choose another name.")
        return False


class CohortEditForm(CohortForm):
    mentors = MultiCheckboxField("Mentors", coerce=int, description="People with the mentor role.")
    candidates = MultiCheckboxField("Candidates", coerce=int, description="People with the candidate role.")


def _member_count(table: Table):
    return (select(func.count()).select_from(table).where(table.c.cohort_id == Cohort.id)
            .correlate(Cohort).scalar_subquery())


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
    stmt = (select(Cohort, _member_count(cohort_candidates).label("candidates"),
                   _member_count(cohort_mentors).label("mentors"))
            .options(lazyload(Cohort.candidates), lazyload(Cohort.mentors)).order_by(Cohort.name))
    if q:
        needle = q.lower()
        stmt = stmt.where(or_(func.lower(Cohort.name).contains(needle, autoescape=True),
                              func.lower(Cohort.batch).contains(needle, autoescape=True)))
    page = paginate(session, stmt, scalars=False)
    return render_template("manage/cohorts.html", page=page, form=form, q=q), 422 if form.errors else 200


def _people(session: Session, role: str, current: list[User]) -> list[User]:
    """Who can be picked for a group: everyone with the role, plus current members who
    lost it (so saving the page does not silently drop them)."""
    users = list(session.scalars(select(User).where(User.roles.any(Role.name == role))
                                 .order_by(User.full_name, User.email)))
    return users + [u for u in current if u not in users]


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
    pools = {"mentors": _people(session, "mentor", found.mentors),
             "candidates": _people(session, "candidate", found.candidates)}
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
