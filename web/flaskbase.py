"""What every aimi Flask app shares: settings, request ids, sessions torn down, errors
rendered as pages (or JSON under /api), templates and static files."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from itertools import accumulate
from pathlib import Path

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_app_context,
    jsonify,
    make_response,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from aimi.evaluators.speech_analysis import clock
from aimi.platform import wording
from aimi.platform.config import Settings
from aimi.platform.db import APP_KEY, Database, platform_session
from aimi.platform.logsetup import request_id
from aimi.platform.timeutil import format_local
from aimi.plugins.manager import PluginDisabledError, PluginManager

WEB_DIR = Path(__file__).parent
log = logging.getLogger("aimi.web")

ERROR_TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Check your input",
    429: "Too many attempts",
    500: "Something went wrong",
}


# Scripts and styles only from our own static files: no inline script, no style attribute.
# The one inline block, each college's brand colours in base.html, carries this response's
# nonce.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' https: data:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
MAX_ID = 2**31 - 1  # MariaDB's INT; a larger id in a lookup overflows SQLite's driver (a 500)
MAX_JSON_DEPTH = 64  # far deeper than any form of ours; Python's parsers recurse per level
JSON_STRING_RE = re.compile(r'"(?:\\.|[^"\\])*"')
JSON_BRACKETS_RE = re.compile(r"[\[\]{}]")


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number no row can have is a 404, not a 500."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest (brackets inside strings ignored)."""
    brackets = JSON_BRACKETS_RE.findall(JSON_STRING_RE.sub("", text))
    steps = (1 if b in "[{" else -1 for b in brackets)
    return max(accumulate(steps, initial=0))


def json_object() -> dict:
    """The request's JSON body, which must be an object (400 otherwise); no body is {}."""
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, 'Send a JSON object, e.g. {"text": "..."}.')
    return body


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def error_response(code: int, message: str, errors: dict | None = None) -> Response:
    """One shape for every error: a page for people, JSON for API clients."""
    title = ERROR_TITLES.get(code, "Error")
    if wants_json():
        body = {"code": code, "status": title, "message": message}
        if errors:
            body["errors"] = errors
        response = jsonify(body)
        response.status_code = code
        return response
    page = render_template("errors/error.html", code=code, title=title, message=message,
                           home_url=request.script_root + "/")
    return make_response(page, code)


def _handle_http(exc: HTTPException):
    if exc.code and exc.code < 400:
        return exc
    message = exc.description or ERROR_TITLES.get(exc.code or 500, "Error")
    data = getattr(exc, "data", None) or {}
    errors = data.get("messages") if isinstance(data, dict) else None
    response = error_response(exc.code or 500, message, errors)
    retry = getattr(exc, "retry_after", None)
    if retry:
        response.headers["Retry-After"] = str(retry)
    return response


def _handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s", request.path)
    return error_response(500, "An unexpected error happened; it was logged. Please try again.")


def _settings_in_context() -> Settings | None:
    """The settings of the app in context: what plugins see as ``context.platform``."""
    return current_app.extensions["aimi_settings"] if has_app_context() else None


def make_flask(name: str, settings: Settings, portal: str, database: Database) -> Flask:
    """A Flask app with what every aimi app shares; its requests and jobs use ``database``."""
    app = Flask(
        name,
        root_path=str(WEB_DIR),
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
        instance_path=str(settings.instance_path.resolve()),
    )
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SECRET_KEY_FALLBACKS=list(settings.secret_key_fallbacks),
        TESTING=settings.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        AIMI_PORTAL=portal,
    )
    app.extensions["aimi_settings"] = settings
    app.extensions[APP_KEY] = database
    PluginManager.platform_settings = staticmethod(_settings_in_context)

    @app.before_request
    def _request_id():
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        g.request_id = rid
        g.csp_nonce = secrets.token_urlsafe(16)
        g._rid_token = request_id.set(rid)

    @app.before_request
    def _refuse_deep_json():
        # Every JSON parser here (Flask's, webargs', Flask-Security's) recurses per level:
        # a deeply nested body would be a RecursionError, a 500, instead of a 400.
        if request.is_json and json_depth(request.get_data(as_text=True)) > MAX_JSON_DEPTH:
            return error_response(400, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
        return None

    @app.after_request
    def _headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(
            nonce=g.get("csp_nonce") or secrets.token_urlsafe(16)))
        if settings.production:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.teardown_request
    def _cleanup(_exc):
        platform_session.remove()
        token = g.pop("_rid_token", None)
        if token is not None:
            request_id.reset(token)

    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(PluginDisabledError, lambda _exc: _handle_http(NotFound()))
    if not settings.testing:
        app.register_error_handler(Exception, _handle_unexpected)

    @app.template_filter("localtime")
    def _localtime(value, fmt: str = "%d %b %Y, %H:%M %Z"):
        tz = g.get("timezone", "UTC")
        return format_local(value, tz, fmt)

    app.add_template_filter(clock, "clock")  # m:ss, for times inside a recording
    app.add_template_filter(wording.score_text, "score")
    app.add_template_filter(wording.signed, "signed")
    app.add_template_filter(wording.figure, "figure")
    app.add_template_filter(wording.kind_label, "kind")
    app.add_template_global(wording.plural, "plural")
    app.add_template_global(wording.detail_lines, "detail_lines")
    app.add_template_global(wording.field_label, "field_label")

    @app.context_processor
    def _defaults():
        return {"portal": portal, "csp_nonce": g.get("csp_nonce", "")}

    return app
