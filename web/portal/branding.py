"""The college's uploaded logo: served to everyone (it is on the sign-in page), uploaded and
removed by admins on Settings. The rules are in ``aimi.tenants.branding``."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from aimi.platform.db import tenant_session
from aimi.tenants import branding
from aimi.web.portal.manage import admin_view, record

bp = Blueprint("branding", __name__)
CACHE_SECONDS = 7 * 24 * 3600  # the address names the content, so a new logo is a new address


def logo_url() -> str:
    """Where the header's logo comes from: the uploaded file, else the URL set, else none."""
    settings = g.tenant_settings
    if settings.logo_file:
        return url_for("branding.logo", name=settings.logo_file.removeprefix("branding/"))
    return settings.logo_url


@bp.get("/branding/<name>")
def logo(name: str) -> ResponseReturnValue:
    data = branding.read(tenant_session(), f"branding/{name}")
    if data is None:
        abort(404, "This college has no such logo.")
    return data, 200, {"Content-Type": "image/png", "Cache-Control": f"public, max-age={CACHE_SECONDS}",
                       "X-Content-Type-Options": "nosniff"}


@bp.post("/manage/settings/logo")
@admin_view
def upload() -> ResponseReturnValue:
    session = tenant_session()
    upload = request.files.get("logo")
    try:
        diff = branding.save(session, upload.read(branding.MAX_LOGO_BYTES + 1) if upload else b"")
    except branding.LogoError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("manage.settings")), 303
    record(session, "settings.changed", target_type="settings", details={"changes": diff})
    session.commit()
    flash("Logo uploaded.", "success")
    return redirect(url_for("manage.settings"))


@bp.post("/manage/settings/logo/remove")
@admin_view
def remove() -> ResponseReturnValue:
    session = tenant_session()
    diff = branding.remove(session)
    if diff:
        record(session, "settings.changed", target_type="settings", details={"changes": diff})
        session.commit()
    flash("Logo removed." if diff else "There was no uploaded logo.", "success" if diff else "info")
    return redirect(url_for("manage.settings"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
