"""Each user's own time zone (account menu, *Time zone*): the pages, the inbox and the
mail they are sent show times on that clock; without one, the college's."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import auth_required, current_user

from aimi.platform.db import tenant_session
from aimi.tenants import time_zones

bp = Blueprint("time_zone", __name__, url_prefix="/account/time-zone")


@bp.route("/", methods=["GET", "POST"])
@auth_required("session")
def edit() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        try:
            time_zones.choose(current_user, request.form.get("timezone", ""))
        except time_zones.TimeZoneError as exc:
            error = str(exc)
        else:
            tenant_session().commit()
            flash(f"Times are now shown in {time_zones.zone_of(current_user, g.tenant_settings.timezone)}.",
                  "success")
            return redirect(url_for(".edit"))
    return render_template("account/time_zone.html", zones=time_zones.ZONES, error=error,
                           chosen=current_user.timezone or "",
                           college_zone=g.tenant_settings.timezone), 422 if error else 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _reader_zone() -> None:
        """Pages show times on the signed-in user's clock (``g.timezone`` was the college's)."""
        if "tenant_settings" in g and current_user.is_authenticated:
            g.timezone = time_zones.zone_of(current_user, g.tenant_settings.timezone)
