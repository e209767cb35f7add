"""Tenant admin: cohorts, their mentors, their candidates (found by search or given as a
list of e-mails or roll numbers: ``aimi.tenants.cohort_members``) and their join codes;
every change is audited."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy.orm import Session
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from aimi.platform.db import tenant_session
from aimi.tenants import cohort_members, join_codes
from aimi.tenants import cohorts as cohort_rules
from aimi.tenants.models import Cohort, User
from aimi.web.pagination import paginate
from aimi.web.portal.manage import MultiCheckboxField, admin_view, bp, get_or_404, record, search_term, strip

FIELDS = ("name", "batch", "description")
GROUPS = ("mentors",)  # candidates are added by search or by list, not from a list of everyone


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


class MemberListForm(FlaskForm):
    lines = TextAreaField("Paste e-mail addresses or roll numbers", filters=[strip], description=(
        "One a line (or a CSV whose first column holds them). Every line must match a candidate "
        "of your college: otherwise nothing is added and each line says what is wrong."))
    file = FileField("Or upload a CSV or text file")


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
    members = paginate(session, cohort_members.members(found.id))
    return render_template("manage/cohort.html", cohort=found, form=form, members=members), \
        422 if form.errors else 200


def _member_id() -> int:
    raw = request.form.get("user_id", "")
    if not raw.isdigit():
        abort(400, "Say which candidate (user_id) to add or remove.")
    return int(raw)


@bp.get("/cohorts/<int:cohort_id>/candidates")
@admin_view
def cohort_candidates(cohort_id: int) -> ResponseReturnValue:
    """Find candidates to add (by name, e-mail or roll number), or give a whole list."""
    session = tenant_session()
    found = get_or_404(session, Cohort, cohort_id, "cohort")
    return _candidates_page(session, found, MemberListForm())


def _candidates_page(session: Session, cohort: Cohort, form: MemberListForm, matched=None,
                     status: int = 200) -> ResponseReturnValue:
    q = search_term()
    page = paginate(session, cohort_members.addable(cohort.id, q))
    return render_template("manage/cohort_candidates.html", cohort=cohort, q=q, page=page, form=form,
                           matched=matched), status


@bp.post("/cohorts/<int:cohort_id>/candidates/add")
@admin_view
def cohort_add_candidate(cohort_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = get_or_404(session, Cohort, cohort_id, "cohort")
    try:
        user = cohort_members.add_one(session, found, _member_id(), current_user, ip=request.remote_addr)
    except cohort_members.NotACandidateHere:
        abort(404, "There is no candidate outside this cohort with this number; search again.")
    session.commit()
    flash(f"{user.display_name} added to {found.name}.", "success")
    back: dict[str, Any] = {k: v for k, v in (("q", request.form.get("q", "")),
                                                  ("page", request.form.get("page", ""))) if v}
    return redirect(url_for("manage.cohort_candidates", cohort_id=found.id, **back))


@bp.post("/cohorts/<int:cohort_id>/candidates/list")
@admin_view
def cohort_add_list(cohort_id: int) -> ResponseReturnValue:
    """Add every candidate of a pasted or uploaded list, or none (the page says why per line)."""
    session = tenant_session()
    found = get_or_404(session, Cohort, cohort_id, "cohort")
    form = MemberListForm()
    if not form.validate_on_submit():
        return _candidates_page(session, found, form, status=422)
    upload = form.file.data
    data = upload.read() if upload and upload.filename else form.lines.data or ""
    try:
        matched = cohort_members.match(session, found, data)
    except cohort_members.ListError as exc:
        form.lines.errors.append(str(exc))
        return _candidates_page(session, found, form, status=422)
    if matched.errors:  # nothing is added; the page lists every line with what is wrong
        return _candidates_page(session, found, form, matched, 422)
    added = cohort_members.add_list(session, found, matched, current_user, ip=request.remote_addr)
    session.commit()
    flash(f"Added {added} of {len(matched.lines)} listed to {found.name}"
          + (f"; {matched.count('member')} already in it." if matched.count("member") else "."), "success")
    return _candidates_page(session, found, MemberListForm(formdata=None), matched)


@bp.post("/cohorts/<int:cohort_id>/candidates/remove")
@admin_view
def cohort_remove_candidate(cohort_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = get_or_404(session, Cohort, cohort_id, "cohort")
    try:
        user = cohort_members.remove(session, found, _member_id(), current_user, ip=request.remote_addr)
    except cohort_members.NotACandidateHere:
        abort(404, "There is no candidate in this cohort with this number.")
    session.commit()
    flash(f"{user.display_name} is no longer in {found.name}; their account and history stay.", "success")
    return redirect(url_for("manage.cohort", cohort_id=found.id))


@bp.post("/cohorts/<int:cohort_id>/join-code")
@admin_view
def cohort_join_code(cohort_id: int) -> ResponseReturnValue:
    """Make a new join code (the old one stops working) or turn the code off."""
    session = tenant_session()
    found = get_or_404(session, Cohort, cohort_id, "cohort")
    action = request.form.get("action", "")
    if action == "new":
        code = join_codes.regenerate(session, found, current_user, ip=request.remote_addr)
        flash(f"The join code of {found.name} is now {code}; the old one no longer works.", "success")
    elif action == "off":
        join_codes.turn_off(session, found, current_user, ip=request.remote_addr)
        flash(f"{found.name} has no join code now: registering candidates cannot join it by code.", "success")
    else:
        abort(400, "Choose to make a new join code (new) or to turn it off (off).")
    session.commit()
    return redirect(url_for("manage.cohort", cohort_id=found.id) + "#join-code")


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
