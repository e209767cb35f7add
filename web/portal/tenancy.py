"""Per-request tenant handling for the portal: resolve, refuse, scope, clean up.

Runs before anything else in the portal (Flask-Security included), so no user lookup,
token check or page can happen without the tenant being known and active.
"""

from __future__ import annotations

from flask import Flask, abort, g, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException

from aimi.platform.db import tenant_session
from aimi.platform.tenancy import TenantRef, reset_tenant, set_tenant
from aimi.tenants import registry
from aimi.tenants import settings as tenant_settings


def _realm_key() -> str | None:
    """The tenant a request addresses, from the URL alone (the session is opened before
    any before_request handler runs, so the tenant context is not set yet)."""
    realm = request.environ.get("aimi.realm")
    if realm is None or realm.kind != "tenant":
        return None
    return realm.slug or f"host-{realm.host}"


class TenantSessionInterface(SecureCookieSessionInterface):
    """Session cookies named, scoped and signed per tenant: a cookie from tenant A does
    not even decode on tenant B."""

    def get_signing_serializer(self, app: Flask):
        key = _realm_key()
        if key is None or not app.secret_key:
            return None
        # Older keys first, the current key last (it signs): Flask's SECRET_KEY_FALLBACKS.
        return URLSafeTimedSerializer(
            [*app.config["SECRET_KEY_FALLBACKS"], app.secret_key],
            salt=f"aimi-session:{key}",
            serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation,
                           "digest_method": self.digest_method},
        )

    def get_cookie_name(self, app: Flask) -> str:
        return "aimi_" + "".join(c if c.isalnum() else "_" for c in (_realm_key() or "none"))

    def get_cookie_path(self, app: Flask) -> str:
        return (request.script_root or "") + "/"


def resolve_tenant() -> TenantRef:
    realm = request.environ.get("aimi.realm")
    if realm is None or realm.kind != "tenant":
        abort(404, "No college portal lives at this address.")
    tenant = registry.by_slug(realm.slug) if realm.slug else registry.by_domain(realm.host or "")
    if tenant is None or tenant.status == "provisioning":
        abort(404, "No college portal lives at this address. Check the link you were given.")
    if tenant.status == "suspended":
        abort(403, f"The portal of {tenant.name} is suspended. Its administrators can ask "
                   "aimi support to restore it.")
    return tenant


def init_app(app: Flask) -> None:
    @app.before_request
    def _enter_tenant():
        try:
            tenant = resolve_tenant()
        except HTTPException:
            # The error page must not look a user up: there is no tenant to look in.
            g._login_user = app.login_manager.anonymous_user()
            raise
        g._tenant_token = set_tenant(tenant)
        g.tenant = tenant
        g.tenant_settings = tenant_settings.load(tenant_session())
        g.timezone = g.tenant_settings.timezone

    @app.teardown_request
    def _leave_tenant(_exc):
        token = g.pop("_tenant_token", None)
        if token is not None:
            try:
                tenant_session.remove()
            finally:
                reset_tenant(token)
