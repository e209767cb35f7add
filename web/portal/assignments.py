"""Interview templates and their assignment to cohorts (mentors and admins).

Due dates are typed in the college's time zone and stored as UTC. Every change is audited.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from aimi.platform.db import tenant_session
from aimi.platform.timeutil import from_local, utcnow
from aimi.tenants import assignments, notices
from aimi.tenants.interview_models import INTERVIEW_TYPES, ROLES, InterviewTemplate
from aimi.tenants.models import Cohort
from aimi.web.pagination import paginate
from aimi.web.portal.manage import get_or_404, record, strip
from aimi.web.portal.questions import staff_view

bp = Blueprint("assignments", __name__, url_prefix="/templates")
TYPE_LABELS = {"hr": "HR and behavioural", "technical": "Technical", "mixed": "Mixed"}


class TemplateForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Give the template a name."),
        Length(max=120, message="Keep the name to 120 characters or fewer.")])
    role = SelectField("Job role", choices=list(ROLES.items()), validators=[
        InputRequired("Choose a job role.")])
    type = SelectField("Interview type", choices=[(t, TYPE_LABELS[t]) for t in INTERVIEW_TYPES],
                       validators=[InputRequired("Choose an interview type.")])
    difficulty = SelectField("Difficulty",
                             choices=[(d, d.capitalize()) for d in assignments.TEMPLATE_DIFFICULTIES],
                             description="Adaptive starts easy and follows the candidate's scores.",
                             validators=[InputRequired("Choose a difficulty.")])
    num_questions = IntegerField("Number of questions", default=5, validators=[
        InputRequired("Enter the number of questions."),
        NumberRange(1, assignments.MAX_QUESTIONS,
                    f"Choose between 1 and {assignments.MAX_QUESTIONS} questions.")])
    duration_minutes = IntegerField("Duration in minutes",
                                    description="Optional: leave blank for no overall limit.",
                                    validators=[Optional(), NumberRange(
                                        1, assignments.MAX_DURATION_MINUTES,
                                        f"Choose between 1 and {assignments.MAX_DURATION_MINUTES} minutes.")])

    def validate_role(self, field: SelectField) -> None:
        if self.type.data != "hr" and field.data == "general":
            raise ValidationError("Technical questions belong to a job role: choose one, or the HR type.")

    def values(self) -> dict:
        return {name: self[name].data for name in assignments.TEMPLATE_FIELDS}


class DueField(DateTimeLocalField):
    """A date and time picker whose unreadable input gets a sentence a person can act on."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter the due date and time as a date and a time, "
                             "like 2025-06-30 17:00.") from exc


class AssignForm(FlaskForm):
    # Choices are checked by the view, which tells "no such cohort" from "not yours" (403).
    template_id = SelectField("Template", coerce=int, validate_choice=False,
                              validators=[InputRequired("Choose a template.")],
                              description="Only published templates can be assigned.")
    cohort_id = SelectField("Cohort", coerce=int, validate_choice=False,
                            validators=[InputRequired("Choose a cohort.")])
    due_at = DueField("Due", format="%Y-%m-%dT%H:%M", validators=[
        InputRequired("Enter the due date and time.")])
    attempt_limit = IntegerField("Attempts allowed", default=1, validators=[
        InputRequired("Enter the number of attempts."),
        NumberRange(1, assignments.MAX_ATTEMPTS,
                    f"Allow between 1 and {assignments.MAX_ATTEMPTS} attempts.")])


@bp.route("/", methods=["GET", "POST"], endpoint="templates")
@staff_view
def template_list() -> ResponseReturnValue:
    """Every template of the college; a POST is the create form."""
    session = tenant_session()
    form = TemplateForm()
    if form.validate_on_submit():
        template = InterviewTemplate(**form.values(), published=False, created_by=current_user.id)
        session.add(template)
        session.flush()
        record(session, "template.created", target_type="interview_template", target_id=template.id,
               details=assignments.template_values(template))
        session.commit()
        flash(f"Template {template.name} created. Publish it when it is ready to assign.", "success")
        return redirect(url_for("assignments.templates"))
    page = paginate(session, assignments.templates())
    return render_template("assignments/templates.html", page=page, form=form, roles=ROLES,
                           type_labels=TYPE_LABELS), 422 if form.errors else 200


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@staff_view
def edit(template_id: int) -> ResponseReturnValue:
    session = tenant_session()
    template = get_or_404(session, InterviewTemplate, template_id, "interview template")
    form = TemplateForm(data=assignments.template_values(template))
    if form.validate_on_submit():
        changed = assignments.update_template(template, form.values())
        if changed:
            record(session, "template.updated", target_type="interview_template", target_id=template.id,
                   details={"name": template.name, "changes": changed})
            session.commit()
            flash(f"Template {template.name} saved.", "success")
        else:
            flash("Nothing changed.", "info")
        return redirect(url_for("assignments.edit", template_id=template.id))
    return render_template("assignments/template.html", template=template, form=form), \
        422 if form.errors else 200


@bp.post("/<int:template_id>/publish", defaults={"published": True}, endpoint="publish")
@bp.post("/<int:template_id>/unpublish", defaults={"published": False}, endpoint="unpublish")
@staff_view
def set_published(template_id: int, published: bool) -> ResponseReturnValue:
    """Publishing makes a template assignable; unpublishing stops new assignments (existing
    ones stay until deleted)."""
    session = tenant_session()
    template = get_or_404(session, InterviewTemplate, template_id, "interview template")
    if template.published != published:
        template.published = published
        record(session, "template.published" if published else "template.unpublished",
               target_type="interview_template", target_id=template.id, details={"name": template.name})
        session.commit()
    flash(f"Template {template.name} is {'published' if published else 'no longer published'}.", "success")
    if request.form.get("next") == "list":
        return redirect(url_for("assignments.templates"))
    return redirect(url_for("assignments.edit", template_id=template.id))


def _assign_form(session) -> AssignForm:
    form = AssignForm(template_id=request.args.get("template", type=int))
    form.template_id.choices = [(t.id, t.name) for t in assignments.published_templates(session)]
    form.cohort_id.choices = [(c.id, c.name) for c in assignments.managed_cohorts(session, current_user)]
    return form


@bp.route("/assignments", methods=["GET", "POST"])
@staff_view
def assignment_list() -> ResponseReturnValue:
    """The assignments of the user's cohorts (admins: all) with completion; a POST assigns."""
    session = tenant_session()
    form = _assign_form(session)
    if form.validate_on_submit():
        template = session.get(InterviewTemplate, form.template_id.data)
        cohort = session.get(Cohort, form.cohort_id.data, options=assignments.WITHOUT_MEMBERS)
        due_at = from_local(form.due_at.data, g.tenant_settings.timezone)
        try:
            if template is None:
                raise assignments.AssignmentError("Choose one of the published templates.", "template_id")
            if cohort is None:
                raise assignments.AssignmentError("Choose one of your cohorts.", "cohort_id")
            assignment = assignments.assign(session, current_user, template, cohort,
                                            due_at=due_at,
                                            attempt_limit=form.attempt_limit.data)
        except assignments.NotYourCohort as exc:
            abort(403, str(exc))
        except assignments.AssignmentError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            session.flush()
            record(session, "assignment.created", target_type="assignment", target_id=assignment.id,
                   details={"template": template.name, "cohort": cohort.name,
                            "due_at": due_at.isoformat(),
                            "attempt_limit": assignment.attempt_limit})
            notices.stage_assignment_published(session, assignment, base_url=request.url_root)
            session.commit()
            flash(f"{template.name} assigned to {cohort.name}.", "success")
            return redirect(url_for("assignments.assignment_list"))
    page = paginate(session, assignments.managed_assignments(current_user))
    cohorts = {c.id: c.name for c in assignments.managed_cohorts(session, current_user)}
    return render_template("assignments/assignments.html", page=page, form=form, cohorts=cohorts,
                           completion=assignments.completion(session, page.items), now=utcnow(),
                           tenant_timezone=g.tenant_settings.timezone), 422 if form.errors else 200


@bp.post("/assignments/<int:assignment_id>/delete")
@staff_view
def delete_assignment(assignment_id: int) -> ResponseReturnValue:
    session = tenant_session()
    assignment = assignments.managed_assignment(session, current_user, assignment_id)
    if assignment is None:
        abort(404, "There is no assignment with this number among your cohorts.")
    details = {"template": assignment.template.name, "cohort_id": assignment.cohort_id,
               "due_at": assignment.due_at.isoformat() if assignment.due_at else None}
    assignments.delete_assignment(session, assignment)
    record(session, "assignment.deleted", target_type="assignment", target_id=assignment_id, details=details)
    session.commit()
    flash(f"Assignment of {details['template']} deleted. Interviews already taken are kept.", "success")
    return redirect(url_for("assignments.assignment_list"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
