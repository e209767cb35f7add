"""Fixed-window counters for rate limits, in Redis when configured, else in memory.

Keys always carry the tenant (``aimi:<tenant>:rl:<name>:<who>``) so one college's
traffic never throttles another's. When Redis cannot be reached, the Redis counter counts
in this process's memory until it answers again: a sign-in never fails into a 500 because
the limiter's store is down, and it stays limited (per process) meanwhile.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import redis

log = logging.getLogger(__name__)


@dataclass
class MemoryCounter:
    _hits: dict[str, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            start, count = self._hits.get(key, (now, 0))
            if now - start >= window:
                start, count = now, 0
            self._hits[key] = (start, count + 1)
            return count + 1

    def count(self, key: str, window: int) -> int:
        with self._lock:
            start, count = self._hits.get(key, (0.0, 0))
        return count if time.monotonic() - start < window else 0

    def seconds_left(self, key: str, window: int) -> int:
        with self._lock:
            start, _ = self._hits.get(key, (time.monotonic(), 0))
        return max(1, math.ceil(window - (time.monotonic() - start)))

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def clear(self) -> None:
        """Forget every counter (a test suite sharing one app between tests needs it)."""
        with self._lock:
            self._hits.clear()


@dataclass
class RedisCounter:
    client: redis.Redis
    fallback: MemoryCounter = field(default_factory=MemoryCounter)

    def _warn(self, exc: redis.RedisError) -> None:
        log.warning("rate limits counted in memory: Redis is unreachable (%s)", exc)

    def hit(self, key: str, window: int) -> int:
        try:
            pipe = self.client.pipeline()
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            count, _ = pipe.execute()
        except redis.RedisError as exc:
            self._warn(exc)
            return self.fallback.hit(key, window)
        return int(count)

    def count(self, key: str, window: int) -> int:
        try:
            value = self.client.get(key)
        except redis.RedisError as exc:
            self._warn(exc)
            return self.fallback.count(key, window)
        return int(value) if value else 0

    def seconds_left(self, key: str, window: int) -> int:
        """Until the window ends: what a refused client is told to wait (Retry-After)."""
        try:
            ttl = self.client.ttl(key)
        except redis.RedisError as exc:
            self._warn(exc)
            return self.fallback.seconds_left(key, window)
        return int(ttl) if ttl and ttl > 0 else window

    def reset(self, key: str) -> None:
        self.fallback.reset(key)
        try:
            self.client.delete(key)
        except redis.RedisError as exc:
            self._warn(exc)


def make_counter(redis_url: str) -> MemoryCounter | RedisCounter:
    if not redis_url:
        return MemoryCounter()
    # Short timeouts: with Redis down, a sign-in waits a second at most, not the OS's minutes.
    return RedisCounter(redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1))


def key(tenant: str, name: str, who: str) -> str:
    return f"aimi:{tenant}:rl:{name}:{who}"
