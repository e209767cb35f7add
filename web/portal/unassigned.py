"""Candidates in no cohort, for admins and mentors: the list, and placing one in a cohort
(the rules are in ``aimi.tenants.unassigned``)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user

from aimi.platform.db import tenant_session
from aimi.tenants import unassigned
from aimi.tenants.assignments import NotYourCohort, managed_cohorts
from aimi.web.pagination import paginate
from aimi.web.portal.questions import staff_view

bp = Blueprint("unassigned", __name__, url_prefix="/candidates/unassigned")


@bp.get("/", endpoint="index")
@staff_view
def index() -> ResponseReturnValue:
    session = tenant_session()
    page = paginate(session, unassigned.candidates())
    return render_template("cohorts/unassigned.html", page=page,
                           cohorts=managed_cohorts(session, current_user))


@bp.post("/<int:candidate_id>")
@staff_view
def place(candidate_id: int) -> ResponseReturnValue:
    session = tenant_session()
    try:
        cohort = unassigned.place(session, current_user, candidate_id,
                                  request.form.get("cohort_id", type=int) or 0, ip=request.remote_addr)
    except unassigned.NotUnassigned:
        abort(404, "There is no candidate in no cohort with this number.")
    except NotYourCohort as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index")), 303
    session.commit()
    flash(f"Added to {cohort.name}.", "success")
    return redirect(url_for(".index"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
