"""Tenant admin: how much each scoring dimension counts, per interview type.

Blank cells keep aimi's default; ``aimi.tenants.settings`` validates the whole table
(known types and dimensions, non-negative numbers, not all zero) before anything is saved.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from aimi.evaluators.report import DEFAULT_WEIGHTS, DIMENSIONS
from aimi.platform.db import tenant_session
from aimi.tenants import settings as tenant_settings
from aimi.web.portal.manage import admin_view, bp, record


def _field(kind: str, dimension: str) -> str:
    return f"w-{kind}-{dimension}"


def _parse(form) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """The overrides typed in the grid, and a message per cell that is not a number."""
    overrides: dict[str, dict[str, float]] = {}
    errors: dict[str, str] = {}
    for kind in DEFAULT_WEIGHTS:
        for dimension in DIMENSIONS:
            raw = form.get(_field(kind, dimension), "").strip()
            if not raw:
                continue
            try:
                overrides.setdefault(kind, {})[dimension] = float(raw)
            except ValueError:
                errors[_field(kind, dimension)] = f"{raw!r} is not a number"
    return overrides, errors


@bp.route("/scoring", methods=["GET", "POST"])
@admin_view
def scoring() -> ResponseReturnValue:
    overrides = g.tenant_settings.scoring_weights
    errors: dict[str, str] = {}
    problem = ""
    values = {_field(k, d): v for k, table in overrides.items() for d, v in table.items()}
    if request.method == "POST":
        overrides, errors = _parse(request.form)
        values = dict(request.form)
        if not errors:
            session = tenant_session()
            try:
                _saved, diff = tenant_settings.save(session, {"scoring_weights": overrides})
            except tenant_settings.SettingsError as exc:
                problem = exc.errors.get("scoring_weights", str(exc))
            else:
                if diff:
                    record(session, "scoring.weights_changed", target_type="settings",
                           details={"changes": diff})
                    session.commit()
                    flash("Scoring weights saved.", "success")
                else:
                    flash("Nothing changed.", "info")
                return redirect(url_for("manage.scoring"))
    status = 422 if errors or problem else 200
    return render_template("manage/scoring.html", defaults=DEFAULT_WEIGHTS, dimensions=DIMENSIONS,
                           values=values, errors=errors, problem=problem, field=_field), status
