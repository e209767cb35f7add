"""A candidate's own data: the page that asks for a copy of it (a zip built by a job)
and the download of a finished copy. Another user's export, or an expired one, is 404."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user

from aimi.platform.db import tenant_session
from aimi.tenants import data_export
from aimi.web.portal.candidate_access import candidate_view

bp = Blueprint("my_data", __name__, url_prefix="/account/data")


@bp.get("/")
@candidate_view
def index() -> ResponseReturnValue:
    return render_template("account/data.html", keep_days=data_export.KEEP_DAYS,
                           exports=data_export.exports_of(tenant_session(), current_user))


@bp.post("/exports")
@candidate_view
def request_export() -> ResponseReturnValue:
    session = tenant_session()
    data_export.request_export(session, current_user)
    session.commit()
    flash("Your data export is being prepared; you will be notified when it is ready to download.",
          "success")
    return redirect(url_for(".index"))


@bp.get("/exports/<job_id>")
@candidate_view
def download(job_id: str) -> ResponseReturnValue:
    try:
        data = data_export.download(tenant_session(), current_user, job_id)
    except data_export.ExportNotFound:
        abort(404, "There is no such export of your data, or it expired; ask for a new one.")
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = "attachment; filename=my-aimi-data.zip"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
