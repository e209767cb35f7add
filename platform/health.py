"""Liveness and readiness probes, and the platform's public front page."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from aimi.platform.db import current_db

bp = Blueprint("platform", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up; says nothing about its dependencies."""
    return jsonify(status="ok")


def _check_redis(url: str) -> str:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    return "ok"


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database answers, and Redis too when one is configured."""
    settings = current_app.extensions["aimi_settings"]
    checks: dict[str, str] = {}
    try:
        with current_db().platform_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.redis_url:
        try:
            checks["redis"] = _check_redis(settings.redis_url)
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    else:
        checks["redis"] = "not configured (jobs run in-process)"
    ready = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), (
        200 if ready else 503
    )


@bp.get("/")
def home():
    return render_template("platform/home.html")
