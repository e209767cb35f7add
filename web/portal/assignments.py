"""Interview templates and their assignment to cohorts (mentors and admins)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("assignments", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
