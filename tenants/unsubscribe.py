"""One-click unsubscribe (RFC 8058) from one kind of non-essential e-mail.

The link carries a signed token naming the tenant, the user and the kind, so it works
without signing in and only there: a token made for one college is refused by another,
and a changed token fails its signature. Following it turns that kind's e-mail off (the
inbox keeps it; a kind already off stays off). Essential mail never carries a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from aimi.tenants import notifications
from aimi.tenants.models import User

SALT = "aimi-unsubscribe"


class UnsubscribeError(ValueError):
    """A token that is not ours, not this college's, or names nothing that can be stopped."""


@dataclass(frozen=True)
class Unsubscription:
    user: User
    kind: str

    @property
    def label(self) -> str:
        return notifications.KINDS[self.kind].label


def make_token(secret: str, tenant_id: int, user_id: int, kind: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps([tenant_id, user_id, kind])


def read_token(session: Session, token: str, *, tenant_id: int, secrets: Sequence[str]) -> Unsubscription:
    """The user and kind a token stops, checked against every accepted secret (the current
    one and older ones still accepted after a rotation)."""
    try:
        signed_tenant, user_id, kind = URLSafeSerializer(list(secrets), salt=SALT).loads(token)
    except (BadSignature, TypeError, ValueError) as exc:
        raise UnsubscribeError("This unsubscribe link is not valid: it may have been cut or changed. "
                               "Sign in and open your notification settings instead.") from exc
    user = session.get(User, user_id) if signed_tenant == tenant_id else None
    if user is None or kind not in notifications.OPTIONAL_KINDS:
        raise UnsubscribeError("This unsubscribe link is not for this college's e-mails. Sign in and "
                               "open your notification settings instead.")
    return Unsubscription(user, kind)


def stop_email(session: Session, unsubscription: Unsubscription) -> None:
    """Turn the kind's e-mail off for the user (in the inbox only, unless it is off)."""
    if notifications.preferences(session, unsubscription.user)[unsubscription.kind] == "email":
        notifications.set_preferences(session, unsubscription.user, {unsubscription.kind: "in_app"})
