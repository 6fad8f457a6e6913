"""The soak: many concurrent MCP clients doing mixed reads and writes for a while, then a count of what was lost.

`python -m bench.soak` runs the full one (50 clients, 60 s) against its own loopback server and exits 1 on any
error or lost write; tests/test_soak.py runs a short one through `soak()` against the test server.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field

import anyio
import httpx2

from bench.timing import Latency

READS = ("get_task", "list_tasks", "search", "get_next_task")
# Weights of the mix: mostly reads, as agents do; every write is one the client can check afterwards.
MIX = {
    "get_task": 26,
    "list_tasks": 12,
    "search": 14,
    "get_next_task": 10,
    "update_task": 24,
    "create_task": 8,
    "claim_task": 6,
}


@dataclass
class SoakResult:
    clients: int
    seconds: float
    calls: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    refusals: int = 0  # expected answers such as a lost claim race: not errors
    latencies: dict[str, list[float]] = field(default_factory=dict)
    acknowledged_writes: int = 0
    lost_writes: int = 0
    rss_before_mib: float | None = None
    rss_after_mib: float | None = None
    rss_samples_mib: list[float] = field(default_factory=list)  # during the run, at even intervals
    noop_calls_per_second: float | None = None  # the same server's no-op tool, as many sessions, afterwards

    @property
    def rss_second_half_growth(self) -> float | None:
        """RSS at the end over RSS halfway through: near 1 when memory is flat once the caches are warm."""
        samples = [s for s in self.rss_samples_mib if s]
        if len(samples) < 4:
            return None
        return samples[-1] / samples[len(samples) // 2]

    def overall(self) -> Latency:
        return Latency.of([s for samples in self.latencies.values() for s in samples])

    def by_tool(self) -> dict[str, dict]:
        return {tool: Latency.of(s).summary() for tool, s in sorted(self.latencies.items())}

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


@dataclass
class _Client:
    index: int
    own_task: str
    version: int
    label: str = ""
    created: dict[str, str] = field(default_factory=dict)  # task id -> label acknowledged at creation


@dataclass
class _Start:
    """Clients connect first; the clock starts when the last one is ready, so setup is not soak time."""

    waiting: int
    go: anyio.Event = field(default_factory=anyio.Event)
    deadline: float = 0.0
    seconds: float = 0.0

    def ready(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.deadline = time.monotonic() + self.seconds
            self.go.set()


async def _one_client(
    i: int,
    url: str,
    token: str,
    project_id: str,
    shared: list[str],
    start: _Start,
    result: SoakResult,
    rng: random.Random,
    acked: list[_Client],
) -> None:
    from bench.mcp_calls import session

    async with session(url, token, name=f"soak-{i}") as client:

        async def call(tool: str, args: dict) -> dict | None:
            started = time.perf_counter()
            try:
                with anyio.fail_after(60):
                    out = await client.call_tool(tool, args)
            except Exception as exc:  # noqa: BLE001  transport failures are errors too
                result.errors += 1
                result.error_samples.append(f"{tool}: {exc.__class__.__name__}: {exc}"[:300])
                return None
            result.latencies.setdefault(tool, []).append(time.perf_counter() - started)
            result.calls += 1
            if out.is_error:
                result.errors += 1
                result.error_samples.append(f"{tool}: {out.content[0].text if out.content else out}"[:300])
                return None
            return out.structured_content

        mine = await call("create_task", {"project_id": project_id, "label": f"soak client {i}: own task"})
        start.ready()
        if mine is None:
            return
        state = _Client(i, mine["id"], mine["version"], mine["label"])
        acked.append(state)
        tools, weights = list(MIX), list(MIX.values())
        turn = 0
        await start.go.wait()
        while time.monotonic() < start.deadline:
            turn += 1
            tool = rng.choices(tools, weights)[0]
            if tool == "get_task":
                await call(tool, {"task_id": rng.choice(shared)})
            elif tool == "list_tasks":
                await call(tool, {"project_id": project_id, "limit": 20})
            elif tool == "search":
                await call(
                    tool,
                    {"query": rng.choice(("soak", "shared", "client", "task")), "project_id": project_id},
                )
            elif tool == "get_next_task":
                await call(tool, {"project_id": project_id})
            elif tool == "update_task":
                label = f"soak client {i}: edit {turn}"
                out = await call(tool, {"task_id": state.own_task, "label": label, "version": state.version})
                if out is not None:
                    state.version, state.label = out["version"], label
                    result.acknowledged_writes += 1
            elif tool == "create_task":
                label = f"soak client {i}: made at turn {turn}"
                out = await call(tool, {"project_id": project_id, "label": label, "tags": ["soak"]})
                if out is not None:
                    state.created[out["id"]] = label
                    result.acknowledged_writes += 1
            else:
                out = await call(
                    tool, {"task_id": rng.choice(shared), "agent_ref": f"soak-{i}", "lease_seconds": 30}
                )
                if out is not None and not out.get("claimed"):
                    result.refusals += 1  # someone else holds it, or it is done: a clear answer, not an error


def _stored_tasks(base_url: str, project_id: str) -> dict[str, dict]:
    """Every task of the project, read back over REST as the loopback owner, page by page."""
    out: dict[str, dict] = {}
    cursor = None
    with httpx2.Client(base_url=base_url, timeout=60) as http:
        while True:
            params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            page = http.get(f"/api/v1/projects/{project_id}/tasks", params=params)
            page.raise_for_status()
            body = page.json()
            out.update({t["id"]: t for t in body["items"]})
            cursor = body.get("next_cursor")
            if not cursor:
                return out


def count_lost(base_url: str, project_id: str, clients: list[_Client]) -> int:
    """Acknowledged writes missing from the database: a created task gone, or an acknowledged edit overwritten."""
    stored = _stored_tasks(base_url, project_id)
    lost = 0
    for c in clients:
        own = stored.get(c.own_task)
        if own is None or own["version"] != c.version or own["label"] != c.label:
            lost += 1
        lost += sum(1 for tid, label in c.created.items() if stored.get(tid, {}).get("label") != label)
    return lost


async def _sample_memory(pid: int, start: _Start, result: SoakResult) -> None:
    from bench.live_server import rss_mib

    await start.go.wait()
    while time.monotonic() < start.deadline:
        result.rss_samples_mib.append(rss_mib(pid) or 0.0)
        await anyio.sleep(start.seconds / 20)  # a sampling interval, not a wait for an outcome
    result.rss_samples_mib.append(rss_mib(pid) or 0.0)


async def _soak(
    url: str,
    tokens: list[str],
    project_id: str,
    shared: list[str],
    seconds: float,
    result: SoakResult,
    seed: int,
    server_pid: int | None,
) -> list[_Client]:
    acked: list[_Client] = []
    start = _Start(waiting=len(tokens), seconds=seconds)
    async with anyio.create_task_group() as group:
        if server_pid:
            group.start_soon(_sample_memory, server_pid, start, result)
        for i, token in enumerate(tokens):
            group.start_soon(
                _one_client, i, url, token, project_id, shared, start, result, random.Random(seed + i), acked
            )
    result.seconds = seconds + max(0.0, time.monotonic() - start.deadline)
    return acked


def soak(
    base_url: str,
    tokens: list[str],
    project_id: str,
    shared: list[str],
    *,
    seconds: float,
    server_pid: int | None = None,
    seed: int = 1,
) -> SoakResult:
    """One client per token against `base_url`'s /mcp/ for `seconds`; then every acknowledged write is checked."""
    from bench.live_server import rss_mib

    result = SoakResult(clients=len(tokens), seconds=seconds)
    result.rss_before_mib = rss_mib(server_pid) if server_pid else None
    acked = anyio.run(
        _soak, f"{base_url}/mcp/", tokens, project_id, shared, seconds, result, seed, server_pid
    )
    result.rss_after_mib = rss_mib(server_pid) if server_pid else None
    result.lost_writes = count_lost(base_url, project_id, acked)
    return result


def seeded_soak(backend: str, clients: int, seconds: float, *, shared_tasks: int = 200) -> SoakResult:
    """The full soak on its own scratch workspace and loopback bench server."""
    from bench import live_server, raw_sql
    from bench.plan_data import Plan
    from bench.scratch import scratch_workspace

    with scratch_workspace(backend, label="soak") as scratch:
        db = scratch.open()
        try:
            plan = Plan(
                [
                    {
                        "label": f"shared task {i}",
                        "status": "todo",
                        "priority": None,
                        "description": "a shared task the soak reads and claims",
                    }
                    for i in range(shared_tasks)
                ],
                [],
            )
            with db.write() as tx:
                pid = raw_sql.insert_project(db, tx.conn, "Soak")
                shared = raw_sql.insert_plan(db, tx.conn, pid, plan, with_search=True)
        finally:
            db.dispose()
        tokens = live_server.mint_tokens(scratch, clients, name="soak")
        server = live_server.start(scratch)
        try:
            result = soak(server.url, tokens, pid, shared, seconds=seconds, server_pid=server.proc.pid)
            from bench.claims import mcp_noop_rate

            # What the server does with no work, from as many sessions: the soak's calls/s read beside it.
            result.noop_calls_per_second = anyio.run(mcp_noop_rate, server, tokens, min(10.0, seconds))
            tracebacks = server.log_text().count("Traceback")
            if tracebacks:
                result.errors += tracebacks
                result.error_samples.append(f"{tracebacks} traceback(s) in the server log")
            return result
        finally:
            server.stop()


def as_rows(ctx) -> list:
    """The soak's line in `python -m bench`: full 50 clients × 60 s, quick 10 × 5 s."""
    from bench.live_server import has_mcp
    from bench.report import Row, not_available

    clients, seconds = ctx.pick((50, 60.0), (10, 5.0))
    name = f"soak: {clients} MCP clients × {seconds:.0f} s, p99"
    if not has_mcp():
        return [not_available("soak", name, "src/plandesk/mcp has not landed")]
    r = seeded_soak(ctx.backend, clients, seconds)
    lat = r.overall()
    note = (
        f"{r.calls:,} calls ({r.calls_per_second:.0f}/s; no-op {r.noop_calls_per_second or 0:.0f}/s), "
        f"{r.errors} errors, {r.acknowledged_writes:,} "
        f"acknowledged writes, {r.lost_writes} lost, {r.refusals} clear refusals"
    )
    return [
        Row(
            "soak",
            name,
            lat.p99,
            "ms",
            lat.p50,
            "p50 of the same calls",
            goal="0 errors, 0 lost",
            met=r.errors == 0 and r.lost_writes == 0,
            note=note,
            extra={"by_tool": r.by_tool(), "errors": r.error_samples[:10], "calls": r.calls},
        ),
        Row(
            "soak",
            "soak: server RSS at the end",
            r.rss_after_mib,
            "MiB",
            r.rss_before_mib,
            "RSS before the soak",
            note=_memory_note(r),
            extra={"rss_samples_mib": r.rss_samples_mib},
        ),
    ]


def _memory_note(r: SoakResult) -> str:
    growth = r.rss_second_half_growth
    if growth is None:
        return "too short to sample memory during the run"
    return (
        f"second half of the run: {(growth - 1) * 100:+.1f} % (flat once pooled connections and caches "
        "are warm)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    r = seeded_soak(args.backend, args.clients, args.seconds)
    lat = r.overall()
    print(
        f"{r.clients} clients, {r.seconds:.1f} s, {r.calls:,} calls ({r.calls_per_second:.0f}/s; the no-op tool "
        f"from as many sessions afterwards: {r.noop_calls_per_second or 0:.0f}/s); "
        f"p50 {lat.p50:.1f} ms, p95 {lat.p95:.1f} ms, p99 {lat.p99:.1f} ms"
    )
    for tool, s in r.by_tool().items():
        print(f"  {tool:14} n={s['n']:6}  p50 {s['p50_ms']:7.1f} ms  p99 {s['p99_ms']:7.1f} ms")
    print(
        f"errors {r.errors}, clear refusals {r.refusals}, acknowledged writes {r.acknowledged_writes:,}, "
        f"lost {r.lost_writes}; server RSS {r.rss_before_mib:.0f} → {r.rss_after_mib:.0f} MiB; "
        f"{_memory_note(r)}"
    )
    for sample in r.error_samples[:10]:
        print("  error:", sample)
    return 0 if r.errors == 0 and r.lost_writes == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
