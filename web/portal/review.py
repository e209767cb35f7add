"""The mentor's review queue: score answers by rubric and override the AI with a comment."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("review", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
