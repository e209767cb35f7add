"""Question banks: list, edit (new version per edit), retire, search, import and export."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("questions", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
