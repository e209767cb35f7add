"""The super-admin console at /admin: its own app, users from the platform schema.

Super-admins live in the platform schema, so a tenant user's e-mail and password, or
a tenant session cookie (signed with another salt, scoped to /t/<slug>/), get nowhere.
"""

from __future__ import annotations

from flask import Flask, url_for
from flask_security import SQLAlchemySessionUserDatastore, current_user

from aimi.platform.config import Settings
from aimi.platform.db import Database, platform_session
from aimi.platform.models import PlatformRole, SuperAdmin
from aimi.plugins.manager import get_manager
from aimi.web import guards
from aimi.web.console.views import bp, nav_items
from aimi.web.flaskbase import make_flask
from aimi.web.security import init_security, security_config


def create_console_app(settings: Settings, database: Database) -> Flask:
    app = make_flask("aimi.web.console", settings, "console", database)
    app.config.update(security_config(settings, issuer="aimi console"))
    app.config.update(SESSION_COOKIE_NAME="aimi_console", SESSION_COOKIE_PATH="/admin/",
                      SECURITY_POST_LOGIN_VIEW="/admin/", SECURITY_POST_LOGOUT_VIEW="/admin/login")
    datastore = SQLAlchemySessionUserDatastore(platform_session, SuperAdmin, PlatformRole)
    init_security(app, datastore)
    guards.init_app(app, settings, realm_of=lambda: "_console")  # no slug starts with _
    app.register_blueprint(bp)
    get_manager().register_blueprints(app, "console")

    @app.context_processor
    def _console_context():
        signed_in = current_user.is_authenticated
        return {
            "brand": {"name": "aimi console", "logo_url": "", "primary_color": "#111827",
                      "accent_color": "#4f46e5"},
            "home_url": url_for("console.tenants"),
            "nav": nav_items() if signed_in else [],
            "logout_url": url_for("security.logout") if signed_in else None,
            "account_links": [
                {"label": "Change password", "url": url_for("security.change_password")},
                {"label": "Two-factor sign-in", "url": url_for("security.two_factor_setup")},
            ] if signed_in else [],
            "demo_notice": None if settings.two_factor_required else (
                "Demo configuration: two-factor sign-in is optional here; production "
                "requires it for super-admins."),
        }

    return app
