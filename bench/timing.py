"""Latency summaries (percentiles over samples) and peak-memory measurement for the benchmarks."""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile: the value at or below which q% of the samples lie (no interpolation)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Milliseconds per operation over n samples."""

    n: int
    p50: float
    p95: float
    p99: float
    mean: float
    samples_s: list[float] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        ms = [s * 1000 for s in seconds]
        return cls(
            n=len(ms),
            p50=percentile(ms, 50),
            p95=percentile(ms, 95),
            p99=percentile(ms, 99),
            mean=sum(ms) / len(ms) if ms else math.nan,
            samples_s=list(seconds),
        )

    def summary(self) -> dict:
        return {"n": self.n, "p50_ms": self.p50, "p95_ms": self.p95, "p99_ms": self.p99, "mean_ms": self.mean}


def time_calls(call: Callable[[], object], *, count: int, warmup: int = 5) -> Latency:
    """Run `call` warmup times unmeasured, then `count` times, each timed on its own."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return Latency.of(samples)


@dataclass
class Measured:
    seconds: float = 0.0
    peak_mib: float = 0.0


@contextmanager
def stopwatch(*, trace_memory: bool = False) -> Iterator[Measured]:
    """Wall time of the block and, when asked, the peak Python heap allocated inside it (tracemalloc)."""
    out = Measured()
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        yield out
    finally:
        out.seconds = time.perf_counter() - started
        if trace_memory:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out.peak_mib = peak / (1024 * 1024)


def time_interleaved(
    calls: dict[str, Callable[[], object]], *, count: int, warmup: int = 5
) -> dict[str, Latency]:
    """Time several calls taking turns, so a noisy neighbour slows each of them alike and ratios hold."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(count):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            samples[name].append(time.perf_counter() - started)
    return {name: Latency.of(s) for name, s in samples.items()}


async def time_interleaved_async(
    calls: dict[str, Callable[[], Awaitable[object]]], *, count: int, warmup: int = 5
) -> dict[str, Latency]:
    """The same, for coroutines (MCP calls through one client session)."""
    for _ in range(warmup):
        for call in calls.values():
            await call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(count):
        for name, call in calls.items():
            started = time.perf_counter()
            await call()
            samples[name].append(time.perf_counter() - started)
    return {name: Latency.of(s) for name, s in samples.items()}
