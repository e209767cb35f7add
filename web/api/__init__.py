"""The tenant REST API (flask-smorest) under /api/v1, documented at /api/v1/openapi.json.

Inside the portal app the college's ``/t/<slug>`` prefix is in SCRIPT_NAME, so paths here
start at ``/api/v1`` and the same routes serve a college's own domain.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from aimi.web.api import cohorts, data_rights, errors, evaluations, interviews, me, users

PREFIX = "/api/v1"
TOKEN_HEADER = "Authentication-Token"


class TenantApi(Api):
    """flask-smorest's Api without its app-wide error handler, which would turn the
    portal's HTML error pages into JSON; API blueprints get ``errors`` instead."""

    def _register_error_handlers(self) -> None:
        return None


def init_app(app: Flask) -> None:
    """Registers the API blueprints, their error shape and the OpenAPI document."""
    app.config.update(
        API_TITLE="aimi",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = TenantApi(app, spec_kwargs={
        "info": {"description": "A college's users and cohorts. Send the token from "
                                "`POST /login?include_auth_token` in the "
                                f"`{TOKEN_HEADER}` header."},
        "servers": [{"url": "/t/{tenant}", "variables": {"tenant": {"default": "demo"}},
                     "description": "A college's portal under the aimi domain"},
                    {"url": "/", "description": "A college's own domain"}],
        "security": [{"token": []}],
    })
    api.spec.components.security_scheme("token", {"type": "apiKey", "in": "header",
                                                  "name": TOKEN_HEADER})
    for module, path in ((me, "/me"), (users, "/users"), (cohorts, "/cohorts"),
                         (evaluations, "/evaluations"), (interviews, "/interviews"), (data_rights, "")):
        api.register_blueprint(module.blp, url_prefix=PREFIX + path)
    errors.init_app(app)
