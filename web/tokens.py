"""API tokens: accepted from the ``Authentication-Token`` header only, revoked at logout.

Flask-Security also reads a token from ``?auth_token=`` and from a JSON body; a token in a
URL ends up in proxy logs, browser history and Referer headers, so such requests are
treated as unauthenticated. Signing out rotates the user's ``fs_token_uniquifier``, which
voids every token the user holds (sessions keep ``fs_uniquifier`` and are not touched).
"""

from __future__ import annotations

from flask import Flask, request
from flask_login import user_logged_out


def _token_outside_header(key: str) -> bool:
    if key in request.args:
        return True
    body = request.get_json(silent=True) if request.is_json else None
    return isinstance(body, dict) and key in body


def init_app(app: Flask, datastore) -> None:
    manager = app.login_manager
    load_from_request = manager._request_callback
    key = app.config.get("SECURITY_TOKEN_AUTHENTICATION_KEY", "auth_token")

    def header_only(req):
        return None if _token_outside_header(key) else load_from_request(req)

    manager.request_loader(header_only)

    def _revoke_tokens(_sender, user, **_kw):
        if user is not None and getattr(user, "fs_token_uniquifier", None):
            datastore.set_token_uniquifier(user)
            datastore.commit()

    user_logged_out.connect(_revoke_tokens, app, weak=False)
