"""Fixed-window counters for rate limits, in Redis when configured, else in memory.

Keys always carry the tenant (``aimi:<tenant>:rl:<name>:<who>``) so one college's
traffic never throttles another's.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import redis


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

    def hit(self, key: str, window: int) -> int:
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def count(self, key: str, window: int) -> int:
        value = self.client.get(key)
        return int(value) if value else 0

    def reset(self, key: str) -> None:
        self.client.delete(key)


def make_counter(redis_url: str) -> MemoryCounter | RedisCounter:
    return RedisCounter(redis.Redis.from_url(redis_url)) if redis_url else MemoryCounter()


def key(tenant: str, name: str, who: str) -> str:
    return f"aimi:{tenant}:rl:{name}:{who}"
