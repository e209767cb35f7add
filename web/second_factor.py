"""Whether THIS session or token passed the second factor, and what enrolment revokes.

A user having TOTP says nothing about a session opened before it was enrolled. So the
proof lives with the session (and inside each API token), bound to the user's current
``fs_uniquifier``; enrolling or changing a second factor rotates that uniquifier (and the
token uniquifier), which kills every older session, remember cookie and token at once.
The session that just proved the new code is signed in again under the new identity.
"""

from __future__ import annotations

from flask import Flask, g, session
from flask_login import user_loaded_from_cookie
from flask_security import current_user, login_user
from flask_security.signals import tf_code_confirmed, tf_profile_changed, user_authenticated
from flask_security.utils import get_request_attr

from aimi.platform.account_mixin import SECOND_FACTOR_PROOF


def proven() -> bool:
    """Did the signed-in session (or the token of this request) pass the second factor?"""
    if get_request_attr("fs_authn_via") == "token":
        return bool(g.get("aimi_token_second_factor"))
    return session.get(SECOND_FACTOR_PROOF) == current_user.fs_uniquifier


def init_app(app: Flask, datastore) -> None:
    def _code_confirmed(_sender, user, **_kw):
        g.aimi_second_factor_passed = True

    def _authenticated(_sender, user, **_kw):
        if g.pop("aimi_second_factor_passed", False):
            session[SECOND_FACTOR_PROOF] = user.fs_uniquifier
        else:
            session.pop(SECOND_FACTOR_PROOF, None)

    def _profile_changed(_sender, user, **_kw):
        # Flask-Security passes the current_user proxy; sign in the object behind it.
        user = getattr(user, "_get_current_object", lambda: user)()
        datastore.set_uniquifier(user)
        datastore.set_token_uniquifier(user)
        g.aimi_second_factor_passed = True
        login_user(user)

    def _from_cookie(_sender, user, **_kw):
        # Remember cookies carry the uniquifier, rotated at enrolment: a valid one was
        # issued by a sign-in that passed the second factor.
        session[SECOND_FACTOR_PROOF] = user.fs_uniquifier

    tf_code_confirmed.connect(_code_confirmed, app, weak=False)
    user_authenticated.connect(_authenticated, app, weak=False)
    tf_profile_changed.connect(_profile_changed, app, weak=False)
    user_loaded_from_cookie.connect(_from_cookie, app, weak=False)
