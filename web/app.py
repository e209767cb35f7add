"""The application factory.

``create_app`` returns the platform app (front page, probes, CLI). Its WSGI entry is a
``RealmDispatcher`` that sends tenant traffic to the portal app and ``/admin`` to the
console app, so each keeps its own routes, sessions and Flask-Security users; the three
share the one ``Database`` opened here (``app.extensions["aimi_db"]``), and another
``create_app`` in the same process opens its own. No migrations run here: start-up never
touches the schema (``aimi db upgrade`` does).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from aimi.platform import config, logsetup
from aimi.platform.db import open_database
from aimi.platform.health import bp as health_bp
from aimi.plugins.manager import get_manager
from aimi.tenants.resolution import RealmDispatcher
from aimi.web.console import create_console_app
from aimi.web.flaskbase import make_flask
from aimi.web.portal import create_portal_app


def create_app(settings: config.Settings | None = None) -> Flask:
    settings = (settings or config.from_env()).validate()
    logsetup.configure(json_lines=settings.log_json)
    database = open_database(settings.effective_database_url, settings.db_servers)
    app = make_flask("aimi.platform", settings, "platform", database)
    app.register_blueprint(health_bp)
    get_manager().register_blueprints(app, "platform")

    @app.context_processor
    def _platform_context():
        return {"brand": {"name": "aimi", "logo_url": "", "primary_color": "#4f46e5",
                          "accent_color": "#0ea5e9"}, "nav": []}

    portal = create_portal_app(settings, database)
    console = create_console_app(settings, database)
    app.extensions["aimi_portal"] = portal
    app.extensions["aimi_console"] = console
    app.wsgi_app = RealmDispatcher(  # type: ignore[method-assign]
        app.wsgi_app, portal, console,
        base_domain=settings.base_domain, platform_hosts=settings.platform_hosts,
    )
    if settings.trusted_proxies:
        # X-Forwarded-* is believed from exactly this many proxies in front of us, so
        # rate limits and audit logs see the client, and nobody can spoof it past them.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    return app
