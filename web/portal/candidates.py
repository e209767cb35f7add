"""A candidate's practice history for staff: admins open any candidate of the college,
mentors the candidates of their cohorts (anyone else is a 404)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template
from flask.typing import ResponseReturnValue
from flask_security import current_user

from aimi.platform.db import tenant_session
from aimi.tenants import candidate_history, readiness
from aimi.tenants.interview_models import ROLES
from aimi.web.portal.interviews import TYPE_LABELS
from aimi.web.portal.questions import staff_view

bp = Blueprint("candidates", __name__, url_prefix="/candidates")


@bp.get("/<int:candidate_id>", endpoint="history")
@staff_view
def history(candidate_id: int) -> ResponseReturnValue:
    session = tenant_session()
    try:
        found = candidate_history.history(session, current_user, candidate_id)
    except candidate_history.CandidateNotFound:
        abort(404, "There is no candidate with this number among the ones you may see.")
    return render_template("candidates/history.html", history=found, roles=ROLES, type_labels=TYPE_LABELS,
                           recent=readiness.RECENT)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
