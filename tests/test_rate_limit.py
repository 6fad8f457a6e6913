"""The per-token bucket: a busy agent runs at full speed, a runaway loop is stopped within seconds (fake clock)."""

from __future__ import annotations

from plandesk.core.rate_limit import RateLimiter, capacity
from plandesk.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _calls(limiter: RateLimiter, clock: FakeClock, per_second: float, seconds: float, limit: int) -> int:
    """Requests at a steady pace; how many were refused."""
    refused = 0
    for _ in range(int(per_second * seconds)):
        clock.t += 1 / per_second
        refused += limiter.take("agent", limit) > 0
    return refused


def test_the_default_lets_one_agent_call_a_thousand_times_a_second_for_ten_minutes():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert _calls(limiter, clock, 1000, 600, Settings().rate_limit_per_minute) == 0


def test_a_loop_twice_the_default_rate_is_refused_within_twenty_seconds():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    limit = Settings().rate_limit_per_minute
    fast = 2 * limit / 60
    refused_after = None
    for i in range(int(fast * 30)):
        clock.t += 1 / fast
        if limiter.take("loop", limit) > 0:
            refused_after = i / fast
            break
    assert refused_after is not None
    assert refused_after <= 20


def test_a_small_limit_still_allows_its_whole_minute_at_once():
    assert capacity(30) == 30
    assert capacity(6000) == 1000
    assert capacity(120_000) == 20_000


def test_a_refused_call_is_told_how_long_to_wait():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for _ in range(30):
        assert limiter.take("agent", 30) == 0
    assert limiter.take("agent", 30) == 2.0
    clock.t += 2.0
    assert limiter.take("agent", 30) == 0
