"""Tenant admin: the addresses the college no longer e-mails, why, and lifting one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from aimi.platform.db import tenant_session
from aimi.tenants import suppressions
from aimi.web.pagination import paginate
from aimi.web.portal.manage import admin_view, bp, record


@bp.get("/suppressions", endpoint="suppressions")
@admin_view
def suppression_list() -> ResponseReturnValue:
    page = paginate(tenant_session(), suppressions.listing())
    return render_template("manage/suppressions.html", page=page, label=suppressions.label)


@bp.post("/suppressions/<int:suppression_id>/remove")
@admin_view
def remove_suppression(suppression_id: int) -> ResponseReturnValue:
    """Mail the address again (the person fixed their mailbox); audited."""
    session = tenant_session()
    row = suppressions.remove(session, suppression_id)
    if row is None:
        abort(404, "There is no such suppressed address in your college.")
    record(session, "suppression.removed", target_type="email_suppression", target_id=suppression_id,
           details={"email": row.email, "reason": row.reason})
    session.commit()
    flash(f"{row.email} will receive e-mail again.", "success")
    return redirect(url_for("manage.suppressions"))
