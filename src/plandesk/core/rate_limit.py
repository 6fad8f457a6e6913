"""Request rate limits: a token bucket per key (a token, or an address signing in), in this process's memory.

Each server process keeps its own buckets, so with N processes a token may reach N times the limit;
docs/operations.md says so. The limit is there to stop a runaway loop, not a busy agent: the default
(settings.rate_limit_per_minute, 120,000 a minute = 2,000 a second) is above what one agent can send to one
server process, and a bucket holds ten seconds of it, so a loop that outruns the rate is stopped within
seconds while bursts of a busy agent pass.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from plandesk.core import secrets
from plandesk.core.errors import RateLimited

# Sign-in is checked per client address at a fixed, low rate: argon2 is slow on purpose, guessing must be too.
SIGN_IN_PER_MINUTE = 20
_MAX_KEYS = 50_000
BURST_SECONDS = 10  # a bucket holds this many seconds of the rate …
BURST_FLOOR = 600  # … but at least this many requests, and never more than a minute's allowance


def capacity(per_minute: int) -> float:
    """How many requests a full bucket holds for a limit of `per_minute`."""
    return float(min(per_minute, max(BURST_FLOOR, per_minute * BURST_SECONDS // 60)))


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
        full = capacity(per_minute)
        t = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= _MAX_KEYS:
                    self._prune(t)
                bucket = self._buckets[key] = Bucket(full, t)
            bucket.tokens = min(full, bucket.tokens + (t - bucket.updated) * rate)
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
        raise RateLimited(
            f"{what} sent more than {per_minute} requests a minute; retry in {retry_after} s",
            retry_after=retry_after,
        )


def wait_for_credential(raw_token: str, per_minute: int) -> int:
    """Whole seconds to wait before this token may call again (0: go ahead). Keyed by a hash of the value,
    so it runs before any database lookup and a flood of calls costs no queries."""
    key = "token:" + secrets.digest(raw_token)[:32]
    wait = limiter.take(key, per_minute)
    return max(1, math.ceil(wait)) if wait > 0 else 0


def check_sign_in(client: str | None, email: str | None = None) -> None:
    """Per address and account: behind a proxy every person shares one address, and one account being
    guessed must not lock the whole team out."""
    account = (email or "").strip().lower()[:320]
    check(f"sign-in:{client or 'unknown'}:{account}", SIGN_IN_PER_MINUTE, what="this address")
