"""Per-token request rate limits: a token bucket per key, held in this process's memory.

Each server process keeps its own buckets, so with N processes a token may reach N times the limit;
docs/operations.md says so. A full minute's allowance may be spent at once: agents are bursty.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from plandesk.core.errors import RateLimited

# Sign-in is checked per client address at a fixed, low rate: argon2 is slow on purpose, guessing must be too.
SIGN_IN_PER_MINUTE = 20
_MAX_KEYS = 50_000


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, per_minute: int) -> float:
        """Spend one request; 0.0 when allowed, else the seconds until one is available again."""
        if per_minute <= 0:  # 0 turns the limit off
            return 0.0
        rate = per_minute / 60.0
        t = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= _MAX_KEYS:
                    self._prune(t)
                bucket = self._buckets[key] = Bucket(float(per_minute), t)
            bucket.tokens = min(float(per_minute), bucket.tokens + (t - bucket.updated) * rate)
            bucket.updated = t
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    def _prune(self, t: float) -> None:
        # A bucket untouched for a minute has refilled completely and carries no information.
        full = [k for k, b in self._buckets.items() if t - b.updated >= 60.0]
        for k in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[k]

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


limiter = RateLimiter()


def check(key: str, per_minute: int, *, what: str = "this token") -> None:
    wait = limiter.take(key, per_minute)
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        raise RateLimited(f"{what} sent more than {per_minute} requests a minute; retry in {retry_after} s",
                          retry_after=retry_after)


def check_token(token_id: str, per_minute: int) -> None:
    check(f"token:{token_id}", per_minute)


def check_sign_in(client: str | None) -> None:
    check(f"sign-in:{client or 'unknown'}", SIGN_IN_PER_MINUTE, what="this address")
