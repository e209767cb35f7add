"""Cohort analytics and exports for the placement cell (admins)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("analytics", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
