"""Files that follow their rows: deleted through the file hooks only once the transaction
that stopped needing them commits, so a rollback never leaves a row pointing at nothing."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from aimi.platform.tenancy import current_tenant
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import get_manager

log = logging.getLogger(__name__)

_PENDING = "aimi_files_to_delete"


def delete_after_commit(session: Session, keys: list[str]) -> None:
    """Delete ``keys`` of the current tenant's storage when ``session`` commits (never if it
    rolls back). The tenant and its plugin settings are read now, while the session works."""
    if keys:
        session.info.setdefault(_PENDING, []).append(
            (current_tenant().slug, plugin_settings.load(session), list(keys)))


@event.listens_for(Session, "after_commit")
def _delete_pending(session: Session) -> None:
    for slug, states, keys in session.info.pop(_PENDING, []):
        for key in keys:
            _delete(slug, states, key)


def _delete(slug: str, states: Any, key: str) -> None:
    """A file that cannot be deleted now is logged, not raised: the rows already committed."""
    try:
        get_manager().delete_file(key, tenant=slug, settings=states)
    except Exception as exc:
        log.error("file %s of %s not deleted after commit: %s", key, slug, exc)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)
