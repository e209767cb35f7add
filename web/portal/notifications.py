"""The inbox (every role): the list, marking one or all read, and the user's choices of
how each kind reaches them. Another user's notification is not found (404)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import auth_required, current_user

from aimi.platform.db import tenant_session
from aimi.platform.tenancy import current_tenant
from aimi.plugins import schedule
from aimi.tenants import notifications, unsubscribe
from aimi.web.pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def portal_link(link: str) -> str:
    """A stored portal path (``/dashboard``) as this portal's address."""
    return (request.script_root or "") + link


@bp.get("/")
@auth_required("session")
def inbox() -> ResponseReturnValue:
    session = tenant_session()
    page = paginate(session, notifications.inbox(current_user))
    return render_template("notifications/inbox.html", page=page, portal_link=portal_link,
                           unread=notifications.unread_count(session, current_user))


@bp.post("/<int:notification_id>/read")
@auth_required("session")
def mark_read(notification_id: int) -> ResponseReturnValue:
    """Mark one read; ``open`` also goes where the notification points."""
    session = tenant_session()
    try:
        row = notifications.mark_read(session, current_user, notification_id)
    except notifications.NotificationNotFound:
        abort(404, "There is no such notification in your inbox.")
    session.commit()
    if request.form.get("open") and row.link:
        return redirect(portal_link(row.link))
    return redirect(url_for(".inbox", page=request.form.get("page", 1, type=int)))


@bp.post("/read-all")
@auth_required("session")
def mark_all_read() -> ResponseReturnValue:
    session = tenant_session()
    count = notifications.mark_all_read(session, current_user)
    session.commit()
    flash(f"{count} notification{'' if count == 1 else 's'} marked read.", "success")
    return redirect(url_for(".inbox"))


@bp.route("/settings", methods=["GET", "POST"])
@auth_required("session")
def preferences() -> ResponseReturnValue:
    """How each optional kind reaches the user; account e-mails always arrive."""
    session = tenant_session()
    error = None
    if request.method == "POST":
        choices = {kind: request.form.get(kind, "") for kind in notifications.kinds_for(current_user)}
        try:
            notifications.set_preferences(session, current_user, choices)
        except notifications.NotificationError as exc:
            session.rollback()
            error = str(exc)
        else:
            session.commit()
            flash("Your notification settings are saved.", "success")
            return redirect(url_for(".preferences"))
    return render_template("notifications/preferences.html", kinds=notifications.KINDS,
                           shown=notifications.kinds_for(current_user),
                           channels=notifications.CHANNELS, error=error,
                           chosen=notifications.preferences(session, current_user)), 422 if error else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_link(token: str) -> ResponseReturnValue:
    """One-click unsubscribe from a mail, signed in or not (the signed token is the proof):
    GET asks, POST (the button, or the mail client's RFC 8058 one-click POST) stops."""
    session = tenant_session()
    settings = current_app.extensions["aimi_settings"]
    try:
        found = unsubscribe.read_token(session, token, tenant_id=current_tenant().id,
                                       secrets=[settings.secret_key, *settings.secret_key_fallbacks])
    except unsubscribe.UnsubscribeError as exc:
        return render_template("notifications/unsubscribe.html", error=str(exc)), 400
    if request.method == "POST":
        unsubscribe.stop_email(session, found)
        session.commit()
    return render_template("notifications/unsubscribe.html", found=found, done=request.method == "POST")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    settings = app.extensions["aimi_settings"]
    if not settings.redis_url and not settings.testing:  # no workers: this process keeps time

        @app.before_request
        def _start_beat() -> None:
            schedule.start_in_process(app)
