"""Announcements: a mentor (to the cohorts they mentor) or an admin (to any cohort) sends
a message; each candidate gets it in the inbox and by e-mail, as they chose for the
kind. The request stages one job; the fan-out and the mails run after the response.
*History* lists what was sent, by whom, to which cohorts, and how far it got."""

from __future__ import annotations

import uuid

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from aimi.platform.db import tenant_session
from aimi.tenants import announcements, assignments, notices
from aimi.web.pagination import paginate
from aimi.web.portal.manage import record, strip
from aimi.web.portal.questions import staff_view

bp = Blueprint("announcements", __name__, url_prefix="/announcements")


class AnnouncementForm(FlaskForm):
    cohort_ids = SelectMultipleField("Cohorts", coerce=int, validators=[
        DataRequired("Choose at least one of your cohorts.")],
        invalid_choice_message="Choose among the cohorts you mentor.")
    title = StringField("Subject", filters=[strip], validators=[
        DataRequired("Give the announcement a subject."),
        Length(max=150, message="Keep the subject to 150 characters or fewer.")])
    body = TextAreaField("Message", filters=[strip], validators=[
        DataRequired("Write the message."), Length(max=5000, message="Keep the message to 5000 characters.")])
    key = HiddenField()


@bp.route("/", methods=["GET", "POST"])
@staff_view
def new() -> ResponseReturnValue:
    session = tenant_session()
    mine = {cohort.id: cohort for cohort in assignments.managed_cohorts(session, current_user)}
    form = AnnouncementForm()
    form.cohort_ids.choices = [(cohort.id, cohort.name) for cohort in mine.values()]
    if request.method == "GET":
        form.key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        chosen = [mine[cohort_id] for cohort_id in form.cohort_ids.data]
        if not form.key.data or len(form.key.data) > 64:
            abort(400, "The form is incomplete; open the announcement page again.")
        notices.stage_announcement(session, current_user, chosen, title=form.title.data, body=form.body.data,
                                   key=form.key.data, base_url=request.url_root)
        record(session, "announcement.sent", target_type="cohort", target_id=chosen[0].id,
               details={"cohorts": [cohort.name for cohort in chosen], "subject": form.title.data})
        session.commit()
        flash(f"Announcement sent to {', '.join(cohort.name for cohort in chosen)}.", "success")
        return redirect(url_for("announcements.new"))
    return render_template("announcements/new.html", form=form), 422 if form.errors else 200


@bp.get("/history")
@staff_view
def history() -> ResponseReturnValue:
    session = tenant_session()
    page = paginate(session, announcements.visible_to(current_user))
    return render_template("announcements/history.html", page=page,
                           deliveries=announcements.deliveries(session, page.items))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
