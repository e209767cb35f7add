"""Rate limits: sign-in, registration, password reset, recording uploads, try-it scoring and
the API, each counted per tenant and per user (or client address when signed out).

One mechanism for all of them: the fixed-window counters of ``aimi.platform.ratelimit``
(Redis when configured, this process's memory while Redis is down, so a limit never fails
into a 500). A refused request gets 429 in the usual error shape with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, request
from flask_security import current_user
from flask_security.signals import user_authenticated

from aimi.platform import ratelimit
from aimi.platform.config import Settings
from aimi.web.flaskbase import error_response

COUNTER = "aimi_rate_counter"  # app.extensions key


@dataclass(frozen=True)
class Kind:
    """A kind of request with its own counter."""

    name: str
    endpoints: frozenset[str]
    message: str  # {wait}: seconds until the window ends
    per_user: bool = True  # signed-in users are counted apart; sign-in forms count the address


KINDS = (
    Kind("login", frozenset({"security.login", "security.two_factor_token_validation"}),
         "Too many sign-in attempts from your network. Try again in {wait} seconds, or reset "
         "your password.", per_user=False),
    Kind("reset", frozenset({"security.forgot_password", "security.reset_password",
                             "security.send_confirmation"}),
         "Too many password-reset or confirmation requests from your network. Try again in "
         "{wait} seconds.", per_user=False),
    Kind("register", frozenset({"security.register"}),
         "Too many registrations from your network. Try again in {wait} seconds.", per_user=False),
    Kind("upload", frozenset({"recordings.chunk"}),
         "Too many recording uploads at once. Try again in {wait} seconds."),
    Kind("scoring", frozenset({"questions.try_it", "api_evaluations.Evaluations"}),
         "Too many sample answers scored in a short time. Try again in {wait} seconds."),
)
API = Kind("api", frozenset(), "Too many API requests. Try again in {wait} seconds.")


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _who(kind: Kind) -> str:
    if kind.per_user and current_user.is_authenticated:
        return f"u{current_user.id}"
    return f"ip:{client_ip()}"


def kinds_of(endpoint: str | None, method: str) -> list[Kind]:
    """The counters a request counts against: its own kind's, and the API's for API calls."""
    found = [k for k in KINDS if endpoint in k.endpoints and method == "POST"]
    if endpoint and endpoint.startswith("api_"):
        found.append(API)
    return found


def init_app(app: Flask, settings: Settings, realm_of: Callable[[], str]) -> None:
    """``realm_of()`` names the realm in every key: the tenant slug, or "_console", which
    no slug can be."""
    counter = ratelimit.make_counter(settings.redis_url)
    app.extensions[COUNTER] = counter
    limits = {**settings.rate_limits,
              "login": (settings.login_rate_limit, settings.login_rate_window)}

    def key(kind: Kind) -> str:
        return ratelimit.key(realm_of(), kind.name, _who(kind))

    @app.before_request
    def _limit() -> Response | None:
        for kind in kinds_of(request.endpoint, request.method):
            allowed, window = limits[kind.name]
            if counter.hit(key(kind), window) > allowed:
                wait = counter.seconds_left(key(kind), window)
                response = error_response(429, kind.message.format(wait=wait))
                response.headers["Retry-After"] = str(wait)
                return response
        return None

    def _forget_failed_logins(_sender, **_kw) -> None:
        counter.reset(ratelimit.key(realm_of(), "login", f"ip:{client_ip()}"))

    user_authenticated.connect(_forget_failed_logins, app, weak=False)
