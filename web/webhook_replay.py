"""Refusing stale and replayed webhook requests (a web-layer guard, like ``throttle``): a
signed request is accepted only when its signed timestamp is recent, and only once (its
signature is remembered, per college, for as long as it would be accepted). Replayed, a
lifted suppression came back.

The signatures seen are kept in Redis when it is configured (shared by every web
process, expiring by themselves), else in this process's memory (the one web process of
an install without Redis).
"""

from __future__ import annotations

import hashlib
import threading
import time

from aimi.plugins import queue as rq_wiring

MAX_AGE = 300  # seconds a signed request may travel and be retried
MAX_AHEAD = 60  # seconds a sender's clock may run ahead of ours

_seen: dict[str, float] = {}
_lock = threading.Lock()


class StaleRequest(ValueError):
    """Too old, from the future, already received, or with no usable timestamp."""


def accept_once(tenant_slug: str, timestamp: str, signature: str, *, now: float | None = None) -> None:
    """Raise ``StaleRequest`` unless the (already verified) request is fresh and new."""
    now = time.time() if now is None else now
    try:
        sent = int(timestamp)
    except ValueError:
        raise StaleRequest("The event timestamp is not a number of seconds.") from None
    if sent < now - MAX_AGE:
        raise StaleRequest(f"The events were signed {int(now - sent)} s ago; requests older than "
                           f"{MAX_AGE} s are refused (a replay?).")
    if sent > now + MAX_AHEAD:
        raise StaleRequest("The events are signed with a time in the future; check the sender's clock.")
    key = f"aimi:{tenant_slug}:webhook-seen:{hashlib.sha256(signature.encode()).hexdigest()}"
    if not _first_time(key, MAX_AGE + MAX_AHEAD):
        raise StaleRequest("These events were received already; a replayed request is refused.")


def _first_time(key: str, ttl: int) -> bool:
    url = rq_wiring.redis_url()
    if url:
        return bool(rq_wiring.connection(url).set(key, 1, nx=True, ex=ttl))
    now = time.monotonic()
    with _lock:
        for old in [k for k, until in _seen.items() if until < now]:
            del _seen[old]
        if key in _seen:
            return False
        _seen[key] = now + ttl
        return True
