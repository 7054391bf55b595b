"""Rate limits: a token bucket per API key and per client address, in this process's memory.

A bucket holds ``per_min`` requests and refills at ``per_min`` a minute; a request
that finds it empty is refused with 429 and ``Retry-After`` (the seconds until a
token is back). Anonymous requests and requests with a bad key count against their
address; requests with a good key against the key. At most ``MAX_TRACKED`` buckets
are kept (least recently used out first), so the limiter's memory is bounded
whatever the clients send. Several server processes each keep their own buckets:
the effective limit is at most ``server_processes`` times the setting.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from cachetools import LRUCache

from api.errors import RateLimitedError

#: buckets kept per limiter
MAX_TRACKED = 100_000


@dataclass
class _Bucket:
    tokens: float
    at_s: float


class RateLimiter:
    """``per_min`` requests a minute per name (0: no limit)."""

    def __init__(self, per_min: int, what: str) -> None:
        self.per_min = per_min
        self.what = what
        self._buckets: LRUCache[str, _Bucket] = LRUCache(maxsize=MAX_TRACKED)
        self._lock = threading.Lock()

    def hit(self, name: str) -> None:
        """Count one request of ``name``; raise ``RateLimitedError`` when its bucket is empty."""
        if self.per_min <= 0:
            return
        rate_per_s = self.per_min / 60.0
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                bucket = self._buckets[name] = _Bucket(float(self.per_min), now)
            bucket.tokens = min(float(self.per_min), bucket.tokens + (now - bucket.at_s) * rate_per_s)
            bucket.at_s = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait_s = (1.0 - bucket.tokens) / rate_per_s
        raise RateLimitedError(f"too many requests from this {self.what}: at most {self.per_min} a minute; "
                               f"try again in {wait_s:.0f} s", retry_after_s=round(wait_s, 1))


__all__ = ["MAX_TRACKED", "RateLimiter"]
