"""Cohort analytics and exports for the placement cell (admins only).

Exports carry personal data, so each one is audited; they are POST forms on the analytics
page, so a link followed or prefetched writes nothing. Cells go through
``aimi.platform.spreadsheet.safe_cell``, so a name such as ``=HYPERLINK(...)`` stays text
when the placement cell opens the file.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Flask, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user
from openpyxl import Workbook
from sqlalchemy.orm import Session

from aimi.platform.db import tenant_session
from aimi.platform.spreadsheet import safe_cell
from aimi.platform.timeutil import utcnow
from aimi.plugins import jobs
from aimi.tenants import analytics, calibration, reviews
from aimi.tenants import cohorts as cohort_list
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import ROLES
from aimi.tenants.models import Cohort
from aimi.web.portal import charts
from aimi.web.portal.manage import admin_view, get_or_404, record

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cohort(session: Session, raw: str) -> Cohort | None:
    """The cohort named by ``raw`` (``?cohort=`` or the export form's field); none given
    means every candidate."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(404, "There is no cohort with this number in your college.")
    return get_or_404(session, Cohort, int(raw), "cohort")


@bp.get("/", endpoint="index")
@admin_view
def index() -> ResponseReturnValue:
    session = tenant_session()
    cohorts = cohort_list.by_name(session)
    cohort = _cohort(session, request.args.get("cohort", "")) or (cohorts[0] if cohorts else None)
    context = {"cohorts": cohorts, "cohort": cohort, "agreement": reviews.agreement_stats(session),
               "calibration": calibration.status(session)}
    if cohort is not None:
        context.update(_cohort_figures(session, cohort))
    return render_template("analytics/index.html", **context)


def _cohort_figures(session: Session, cohort: Cohort) -> dict:
    results = analytics.candidate_results(session, cohort.id)
    names = analytics.dimensions_in(results)
    heat = charts.heatmap(
        "cohort-heatmap", f"Mean score per dimension and candidate: {cohort.name}",
        "Each cell is a candidate's mean score (0 to 100) in one dimension over their scored "
        "interviews; a dash means no score yet.",
        [r.name for r in results], names, [[r.dimensions.get(n) for n in names] for r in results],
        [url_for("candidates.history", candidate_id=r.id) for r in results],
    ) if names else None
    roles = [(ROLES.get(role, role), n) for role, n in analytics.popular_roles(session, cohort.id)]
    roles_chart = charts.bar_chart(
        "popular-roles", f"Interviews by job role: {cohort.name}",
        "The number of interviews the cohort's candidates took for each job role, most taken first.",
        roles, "Interviews") if roles else None
    return {"results": results, "heatmap": heat, "roles_chart": roles_chart,
            "completion": analytics.assignment_completion(session, cohort.id),
            "weak_points": analytics.weak_points(session, cohort.id)}


@bp.post("/calibration", endpoint="calibration")
@admin_view
def calibration_action() -> ResponseReturnValue:
    """Switch the calibrated AI scores on or off, or fit the calibration now (on a worker)."""
    session = tenant_session()
    action = request.form.get("action", "")
    if action in ("on", "off"):
        _settings, diff = tenant_settings.save(session, {"calibration_enabled": action == "on"})
        if diff:
            record(session, "settings.changed", target_type="settings", details={"changes": diff})
        session.commit()
        flash("Calibrated AI scores are shown." if action == "on" else
              "Calibration is off: the AI's raw scores are shown.", "success")
    elif action == "fit":
        job = calibration.stage_fit_now(session, current_user.id)
        record(session, "calibration.requested", target_type="job", target_id=job.id)
        session.commit()
        jobs.dispatch(g.tenant, job)
        flash("The calibration is being fitted; its figures appear here when it is done.", "success")
    else:
        abort(400, "Choose to switch calibration on or off, or to fit it now.")
    return redirect(url_for("analytics.index") + "#calibration")



def _export(kind: str) -> tuple[list[str], list[list[object]], str]:
    """The table to export (audited) and its file name."""
    session = tenant_session()
    cohort = _cohort(session, request.form.get("cohort", ""))
    cohort_id = cohort.id if cohort else None
    header, rows = analytics.results_table(analytics.candidate_results(session, cohort_id))
    record(session, "analytics.exported", target_type="cohort", target_id=cohort_id or "",
           details={"format": kind, "cohort": cohort.name if cohort else "all candidates", "rows": len(rows)})
    session.commit()
    name = f"{g.tenant.slug}-results-{f'cohort-{cohort_id}' if cohort else 'all'}-{utcnow():%Y%m%d}.{kind}"
    return header, [[safe_cell(v) for v in row] for row in rows], name


def _download(body: bytes | str, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.post("/export.csv")
@admin_view
def export_csv() -> ResponseReturnValue:
    header, rows, name = _export("csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return _download("\ufeff" + out.getvalue(), "text/csv; charset=utf-8", name)  # BOM: Excel reads UTF-8


@bp.post("/export.xlsx")
@admin_view
def export_xlsx() -> ResponseReturnValue:
    header, rows, name = _export("xlsx")
    book = Workbook()
    sheet = book.active
    sheet.title = "Results"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), XLSX, name)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
