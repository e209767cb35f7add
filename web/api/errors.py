"""One JSON error shape for the whole API: ``{"code", "status", "message", "errors"?}``.

Three sources of errors answer API calls, and each is bent into ``error_response``'s shape:
flask-smorest and webargs (``abort`` data, validation messages nested by location),
Flask-Security (sign-in, role and CSRF failures, which it renders in its own JSON), and
everything else (tenancy, routing), which flaskbase already handles for ``/api/`` paths.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_security import Security
from flask_smorest import Blueprint
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized

from aimi.web.flaskbase import error_response

# Where webargs found the bad input; its messages are keyed by these first.
LOCATIONS = frozenset({"json", "query", "querystring", "form", "json_or_form", "headers",
                       "cookies", "files", "path", "view_args"})
INVALID = "Some fields are not valid; see errors."


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def field_errors(messages: object) -> dict | None:
    """``{"json": {"email": [...]}}`` becomes ``{"email": [...]}``: callers care about the
    field, and the API's own 422s name fields the same way."""
    if not isinstance(messages, dict) or not messages:
        return None
    if not set(messages) <= LOCATIONS:
        return messages
    flat: dict = {}
    for errors in messages.values():
        flat.update(errors if isinstance(errors, dict) else {"_request": errors})
    return flat


def handle_http_exception(exc: HTTPException) -> Response:
    """Errors raised in API views, by ``flask_smorest.abort`` or by argument parsing."""
    data = getattr(exc, "data", None) or {}
    errors = field_errors(data.get("errors") or data.get("messages"))
    code = exc.code or 500
    message = data.get("message") or (INVALID if code == 422 and errors else exc.description)
    response = error_response(code, message, errors)
    response.headers.update(data.get("headers") or {})
    return response


def blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """An API blueprint whose errors take the API's shape."""
    blp = Blueprint(name, import_name, description=description)
    blp.register_error_handler(HTTPException, handle_http_exception)
    return blp


def init_app(app: Flask) -> None:
    """Make Flask-Security answer API calls in the API's shape; pages keep its defaults
    (a redirect to the sign-in page, a flashed message)."""
    security: Security = app.extensions["security"]
    unauthn, unauthz, render_json = (security._unauthn_handler, security._unauthz_handler,
                                     security._render_json)

    def on_unauthenticated(mechanisms=None, headers=None):
        if not is_api_request():
            return unauthn(mechanisms, headers=headers)
        raise Unauthorized("Sign in, or send a valid Authentication-Token header issued by "
                           "this college's portal.")

    def on_forbidden(func_name, params):
        if not is_api_request():
            return unauthz(func_name, params)
        roles = ", ".join(params or [])
        raise Forbidden(f"Your role does not allow this; it needs one of: {roles}.")

    def on_json(payload, code, headers, user):
        if not is_api_request() or code < 400:
            return render_json(payload, code, headers, user)
        message = "; ".join(payload.get("errors") or []) or "The request was refused."
        return error_response(code, message)

    security.unauthn_handler(on_unauthenticated)
    security.unauthz_handler(on_forbidden)
    security.render_json(on_json)
