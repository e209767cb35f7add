"""The candidate's interviews: set up, answer one question at a time, submit, read the report."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("interviews", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
