"""The tenant portal: one Flask app serving every college, the tenant chosen per request."""

from __future__ import annotations

from flask import Flask, g, request, url_for
from flask_security import SQLAlchemySessionUserDatastore, current_user

from aimi.platform.config import Settings
from aimi.platform.db import Database, tenant_session
from aimi.plugins.manager import get_manager
from aimi.tenants import activity
from aimi.tenants.models import Role, User
from aimi.tenants.notifications import unread_count
from aimi.web import guards
from aimi.web.flaskbase import make_flask
from aimi.web.portal import public, registration, tenancy
from aimi.web.security import init_security, security_config

NAV = (
    # (label, endpoint, roles that see it; empty = every signed-in user)
    ("Dashboard", "public.dashboard", ()),
    ("Practice", "interviews.index", ("candidate",)),
    ("Recordings", "recordings.mine", ("candidate",)),
    ("Question banks", "questions.banks", ("admin", "mentor")),
    ("Templates", "assignments.templates", ("admin", "mentor")),
    ("Review queue", "review.queue", ("admin", "mentor")),
    # Admins reach it from their dashboard and Analytics: their menu is full.
    ("Readiness", "readiness.cohort", ("mentor",)),
    ("Announcements", "announcements.new", ("admin", "mentor")),
    ("Analytics", "analytics.index", ("admin",)),
    ("Users", "manage.users", ("admin",)),
    ("Cohorts", "manage.cohorts", ("admin",)),
    ("Settings", "manage.settings", ("admin",)),
)


def _nav() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    roles = set(current_user.role_names)
    items = []
    for label, endpoint, needs in NAV:
        if endpoint not in _endpoints() or (needs and not roles.intersection(needs)):
            continue
        url = url_for(endpoint)
        items.append({"label": label, "url": url, "active": request.path == url})
    return items


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


def create_portal_app(settings: Settings, database: Database) -> Flask:
    app = make_flask("aimi.web.portal", settings, "tenant", database)
    app.session_interface = tenancy.TenantSessionInterface()
    tenancy.init_app(app)  # first: nothing runs before the tenant is known
    app.config.update(security_config(settings, issuer="aimi"))
    app.config.update(
        SECURITY_REGISTERABLE=True,
        SECURITY_CONFIRMABLE=True,
        SECURITY_SEND_REGISTER_EMAIL=True,
        SECURITY_LOGIN_WITHOUT_CONFIRMATION=False,
        # Endpoints, not paths: url_for keeps the /t/<slug> a path-addressed portal lives
        # under (a bare "/dashboard" sent the browser to the platform's 404).
        SECURITY_POST_LOGIN_VIEW="public.dashboard",
        SECURITY_POST_LOGOUT_VIEW="public.landing",
        SECURITY_POST_REGISTER_VIEW="security.login",
        SECURITY_POST_RESET_VIEW="security.login",
        SECURITY_POST_CHANGE_VIEW="public.dashboard",
    )
    datastore = SQLAlchemySessionUserDatastore(tenant_session, User, Role)
    init_security(app, datastore, register_form=registration.TenantRegisterForm)
    guards.init_app(app, settings, realm_of=lambda: g.tenant.slug)

    @app.before_request
    def _record_activity() -> None:
        """Any signed-in request counts as using the account (retention), once an hour."""
        if current_user.is_authenticated:
            activity.record(current_user._get_current_object())

    registration.init_app(app)
    public.init_app(app)
    for module in _feature_modules():
        module.init_app(app)
    get_manager().register_blueprints(app, "tenant")

    @app.context_processor
    def _portal_context():
        tenant_settings = g.get("tenant_settings")
        if tenant_settings is None:
            return {}
        return {
            "tenant": g.tenant,
            "brand": {
                "name": tenant_settings.display_name,
                "logo_url": _logo_url(),
                # The tab's icon: the uploaded logo (a PNG made here), else the product's.
                "favicon_url": _logo_url() if tenant_settings.logo_file else "",
                "primary_color": tenant_settings.primary_color,
                "accent_color": tenant_settings.accent_color,
            },
            "home_url": url_for("public.landing"),  # this college's portal, not the platform's "/"
            "nav": _nav(),
            "logout_url": url_for("security.logout") if current_user.is_authenticated else None,
            "bell": {"url": url_for("notifications.inbox"),
                     "unread": unread_count(tenant_session(), current_user)}
            if current_user.is_authenticated else None,
            "account_links": [
                {"label": "Notification settings", "url": url_for("notifications.preferences")},
                {"label": "Time zone", "url": url_for("time_zone.edit")},
                *([{"label": "Your data", "url": url_for("my_data.index")}]
                  if "candidate" in current_user.role_names else []),
                {"label": "Change password", "url": url_for("security.change_password")},
                {"label": "Two-factor sign-in", "url": url_for("security.two_factor_setup")},
            ] if current_user.is_authenticated else [],
            "demo_notice": None if settings.two_factor_required else (
                "Demo configuration: two-factor sign-in is optional here; production "
                "requires it for admins."),
            "registration_note": tenant_settings.registration_note(),
            "invite_code_needed": tenant_settings.registration_policy == "invite_code",
        }

    return app


def _logo_url() -> str:
    from aimi.web.portal.branding import logo_url

    return logo_url()


def _feature_modules():
    """Portal features added by other modules (each has ``init_app(app)``)."""
    from aimi.web import api
    from aimi.web.portal import (
        analytics,
        announcements,
        assignments,
        branding,
        candidates,
        interviews,
        mail_events,
        manage,
        my_data,
        notifications,
        questions,
        readiness,
        recordings,
        review,
        time_zone,
        unassigned,
    )

    return (manage, api, questions, interviews, recordings, assignments, review, analytics, notifications,
            mail_events, my_data, announcements, unassigned, branding, candidates, time_zone, readiness)
