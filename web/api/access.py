"""Who may call an API method: signed in by token or session, then a role check."""

from __future__ import annotations

from collections.abc import Callable

from flask_security import auth_required, current_user, roles_accepted

# Token first (scripts); the session lets the portal's own pages call the API, with
# Flask-Security checking their CSRF header.
MECHANISMS = ("token", "session")


def signed_in(view: Callable) -> Callable:
    return auth_required(*MECHANISMS)(view)


def allowed(*roles: str) -> Callable[[Callable], Callable]:
    """Sign-in first, so anonymous callers get 401 and only signed-in ones get 403."""

    def decorator(view: Callable) -> Callable:
        return auth_required(*MECHANISMS)(roles_accepted(*roles)(view))

    return decorator


def actor():
    """The signed-in user as a plain object, for audit entries."""
    return current_user._get_current_object()
