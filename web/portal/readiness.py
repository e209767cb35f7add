"""Readiness of a cohort for its mentors and the college's admins: who has not practised
in N days, who is below a threshold, who is improving (rules in
``aimi.tenants.cohort_readiness`` and ``aimi.tenants.readiness``)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_security import current_user

from aimi.platform.db import tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import cohort_readiness, cohorts, readiness
from aimi.tenants.interview_models import ROLES
from aimi.web.portal.questions import staff_view

bp = Blueprint("readiness", __name__, url_prefix="/readiness")


@bp.get("/", endpoint="cohort")
@staff_view
def cohort() -> ResponseReturnValue:
    session = tenant_session()
    visible = list(session.scalars(cohorts.visible_to(current_user)))
    error = None
    try:
        days, below = cohort_readiness.parse_filters(request.args.get("days"), request.args.get("below"))
    except cohort_readiness.FilterError as exc:
        error = exc
        days, below = cohort_readiness.DEFAULT_DAYS, cohort_readiness.DEFAULT_BELOW
    raw = request.args.get("cohort", "").strip()
    if raw and not raw.isdigit():
        abort(404, "There is no cohort with this number among the ones you may see.")
    chosen = int(raw) if raw else (visible[0].id if visible else None)
    view = None
    if chosen is not None:
        view = cohort_readiness.cohort_view(session, current_user, chosen, days=days, below=below,
                                            now=utcnow())
        if view is None:
            abort(404, "There is no cohort with this number among the ones you may see.")
    return render_template("readiness/cohort.html", view=view, cohorts=visible, days=days, below=below,
                           error=error, roles=ROLES, improving=readiness.IMPROVING,
                           recent=readiness.RECENT), 422 if error else 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
