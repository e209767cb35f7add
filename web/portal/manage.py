"""Tenant admin pages: the shared pieces (blueprint, guard, audit) and the audit log.

Users, cohorts and settings live in ``manage_users``, ``manage_cohorts`` and
``manage_settings``; they add their views to the one ``manage`` blueprint so the
endpoints read ``manage.users``, ``manage.cohorts`` and so on.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_security import auth_required, current_user, roles_required
from sqlalchemy.orm import Session
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from aimi.platform.db import tenant_session
from aimi.tenants import audit
from aimi.web.pagination import paginate

bp = Blueprint("manage", __name__, url_prefix="/manage")


def admin_view(view: Callable) -> Callable:
    """Session sign-in first (it also checks the CSRF token of a POST), then the admin
    role: anonymous visitors go to the login page, other roles get 403."""
    return auth_required("session")(roles_required("admin")(view))


def strip(value):
    """WTForms filter: surrounding spaces are never meaningful in these forms."""
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """A multi-select drawn as checkboxes (``_macros.render_field`` knows the type)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def get_or_404(session: Session, model: type, ident: int, what: str):
    """The tenant's row, or a 404 saying what was not found (ids of other tenants simply
    do not exist in this schema)."""
    row = session.get(model, ident)
    if row is None:
        abort(404, f"There is no {what} with this number in your college.")
    return row


def search_term() -> str:
    return request.args.get("q", "").strip()[:100]


def record(session: Session, action: str, **kwargs) -> None:
    """Stage an audit entry by the signed-in admin from this request's address."""
    audit.record(session, action, actor=current_user, ip=request.remote_addr, **kwargs)


@bp.get("/audit", endpoint="audit")
@admin_view
def audit_log() -> ResponseReturnValue:
    session = tenant_session()
    action = request.args.get("action", "")
    return render_template("manage/audit.html", page=paginate(session, audit.log(action)),
                           actions=audit.actions(session), action=action)


def init_app(app: Flask) -> None:
    """Registers the admin blueprint with the views of every admin module."""
    from aimi.web.portal import (  # noqa: F401
        manage_cohorts,
        manage_jobs,
        manage_mail_preview,
        manage_plugins,
        manage_scoring,
        manage_settings,
        manage_suppressions,
        manage_users,
    )

    app.register_blueprint(bp)
