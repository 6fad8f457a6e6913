"""Claims per second with 32 agents draining a pool of ready tasks, over REST and MCP, beside raw SQL claims.

Every run also checks the one rule that matters under contention: each task is claimed exactly once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx2

from bench import raw_sql
from bench.context import Context
from bench.live_server import LiveServer
from bench.mcp_calls import call_ok, session
from bench.plan_data import Plan
from bench.report import Row
from bench.scratch import Scratch

AGENTS = 32
ROUNDS = 3  # pools drained per figure, each between two no-op slices


def seed_pool(scratch: Scratch, n_tasks: int, name: str) -> tuple[str, list[str]]:
    """A project of n ready tasks (todo, no prerequisites)."""
    db = scratch.open()
    try:
        plan = Plan(
            tasks=[
                {"label": f"{name} {i}", "status": "todo", "priority": None, "description": ""}
                for i in range(n_tasks)
            ],
            edges=[],
        )
        with db.write() as tx:
            pid = raw_sql.insert_project(db, tx.conn, name)
            ids = raw_sql.insert_plan(db, tx.conn, pid, plan, with_search=True)
        return pid, ids
    finally:
        db.dispose()


def claimed_once(scratch: Scratch, project_id: str, n_tasks: int, wins: int) -> None:
    from sqlalchemy import func, select

    from plandesk.db.schema import tasks

    db = scratch.open()
    try:
        with db.read() as conn:
            held = conn.execute(
                select(func.count())
                .select_from(tasks)
                .where(
                    tasks.c.project_id == project_id,
                    tasks.c.status == "in_progress",
                    tasks.c.claimed_by.is_not(None),
                )
            ).scalar_one()
    finally:
        db.dispose()
    if not held == wins == n_tasks:
        raise RuntimeError(
            f"claims went wrong: {wins} wins reported, {held} tasks held, {n_tasks} in the pool"
        )


def rest_claims(
    server: LiveServer,
    project_id: str,
    refused: list[str] | None = None,
    clients: list[httpx2.Client] | None = None,
) -> int:
    """AGENTS threads call claim-next until nothing is ready; a `contention` answer (tasks left, the agent
    got none) is appended to `refused` when given: it should never happen. `clients`: one connected
    keep-alive client per agent, made before the clock starts (making 32 clients takes longer than a drain
    on a busy machine); without them each agent makes its own."""
    wins = []
    lock = threading.Lock()

    def agent(i: int) -> None:
        mine = 0
        own = clients is None
        client = httpx2.Client(base_url=server.url, timeout=60) if own else clients[i]
        try:
            while True:
                r = client.post(
                    f"/api/v1/projects/{project_id}/claim-next", json={"agent_ref": f"rest-agent-{i}"}
                )
                if r.status_code != 200:
                    raise RuntimeError(f"claim-next answered {r.status_code}: {r.text[:200]}")
                body = r.json()
                if body.get("claimed"):
                    mine += 1
                elif body.get("reason") != "contention":
                    break
                elif refused is not None:
                    refused.append(f"rest-agent-{i}")
        finally:
            if own:
                client.close()
        with lock:
            wins.append(mine)

    with ThreadPoolExecutor(AGENTS) as pool:
        for f in [pool.submit(agent, i) for i in range(AGENTS)]:
            f.result()
    return sum(wins)


async def mcp_claims(
    server: LiveServer, tokens: list[str], project_id: str, refused: list[str] | None = None
) -> int:
    """Each agent loops as the skill says: claim_next_task until nothing is ready. A `contention` answer
    (tasks are left, others were faster) is appended to `refused` when given: it should never happen."""
    wins = [0] * len(tokens)

    async def agent(i: int) -> None:
        async with session(server.mcp_url, tokens[i], name=f"bench-agent-{i}") as client:
            while True:
                got = await call_ok(
                    client, "claim_next_task", {"project_id": project_id, "agent_ref": f"mcp-agent-{i}"}
                )
                if got.get("claimed"):
                    wins[i] += 1
                elif got.get("reason") != "contention":  # contention: tasks are left, others were faster
                    return
                elif refused is not None:
                    refused.append(f"mcp-agent-{i}")

    async with anyio.create_task_group() as group:
        for i in range(len(tokens)):
            group.start_soon(agent, i)
    return sum(wins)


def raw_claims(scratch: Scratch, project_id: str) -> int:
    """32 threads, each a compare-and-set UPDATE in its own write transaction, as fast as the database goes."""
    from sqlalchemy import text

    db = scratch.open()
    sql = text(
        "UPDATE tasks SET status = 'in_progress', claimed_by = :a, version = version + 1 WHERE id = "
        "(SELECT id FROM tasks WHERE project_id = :p AND status = 'todo' ORDER BY created_at, id LIMIT 1) "
        "AND status = 'todo'"
    )
    wins = [0] * AGENTS

    def agent(i: int) -> None:
        while True:
            with db.write() as tx:
                hit = tx.conn.execute(sql, {"a": f"raw-{i}", "p": project_id}).rowcount
                left = (
                    hit
                    or tx.conn.execute(
                        text("SELECT 1 FROM tasks WHERE project_id = :p AND status = 'todo' LIMIT 1"),
                        {"p": project_id},
                    ).first()
                )
            if hit:
                wins[i] += 1
            elif not left:
                return

    try:
        with ThreadPoolExecutor(AGENTS) as pool:
            for f in [pool.submit(agent, i) for i in range(AGENTS)]:
                f.result()
    finally:
        db.dispose()
    return sum(wins)


def run(ctx: Context, server: LiveServer, agent_tokens: list[str] | None) -> list[Row]:
    scratch = server.scratch
    n = ctx.pick(640, 160)
    timed: dict[str, float] = {}
    for name, go in (
        ("raw", lambda pid: raw_claims(scratch, pid)),
        ("rest", lambda pid: rest_claims(server, pid)),
        ("mcp", (lambda pid: anyio.run(mcp_claims, server, agent_tokens, pid)) if agent_tokens else None),
    ):
        if go is None:
            continue
        pid, _ids = seed_pool(scratch, n, f"claims-{name}")
        started = time.perf_counter()
        wins = go(pid)
        timed[name] = n / (time.perf_counter() - started)
        claimed_once(scratch, pid, n, wins)
    base = f"raw SQL compare-and-set, {AGENTS} threads"
    rows = [
        Row(
            "claims",
            f"claims/s, {AGENTS} agents over REST claim-next",
            timed["rest"],
            "/s",
            timed["raw"],
            base,
            note=f"{n} ready tasks, each claimed exactly once (checked); higher is better, ratio < 1",
        )
    ]
    if "mcp" in timed:
        rows.append(
            Row(
                "claims",
                f"claims/s, {AGENTS} MCP agents (claim_next_task)",
                timed["mcp"],
                "/s",
                timed["raw"],
                base,
                note="one SDK session and token per agent; exactly once (checked)",
            )
        )
    return rows


def rest_clients(server: LiveServer) -> list[httpx2.Client]:
    """AGENTS keep-alive clients, each connected (one no-op call) before any clock starts."""
    from bench.bench_server import NOOP_PATH

    # Idle keep-alive connections are dropped by the client before uvicorn's 5 s timeout closes them under it.
    limits = httpx2.Limits(keepalive_expiry=4.0)
    clients = [httpx2.Client(base_url=server.url, timeout=60, limits=limits) for _ in range(AGENTS)]
    for c in clients:
        c.get(NOOP_PATH)
    return clients


def noop_rate(server: LiveServer, seconds: float, clients: list[httpx2.Client]) -> float:
    """No-op REST calls/s from AGENTS concurrent keep-alive clients: what the server does with no work."""
    from bench.bench_server import NOOP_PATH

    counts = [0] * AGENTS
    gate = threading.Barrier(AGENTS + 1)
    clock = {"deadline": 0.0}

    def client(i: int) -> None:
        c = clients[i]
        gate.wait()
        while time.perf_counter() < clock["deadline"]:
            if c.get(NOOP_PATH).status_code != 200:
                raise RuntimeError("the no-op route failed")
            counts[i] += 1

    with ThreadPoolExecutor(AGENTS) as pool:
        futures = [pool.submit(client, i) for i in range(AGENTS)]
        started = time.perf_counter()
        clock["deadline"] = started + seconds
        gate.wait()
        for f in futures:
            f.result()
    return sum(counts) / (time.perf_counter() - started)


def first_call_winners(server: LiveServer, project_id: str) -> int:
    """AGENTS agents, AGENTS free tasks, one claim-next each, all released at once: how many got a task."""
    gate = threading.Barrier(AGENTS)

    def agent(i: int) -> bool:
        with httpx2.Client(base_url=server.url, timeout=60) as c:
            gate.wait()
            r = c.post(f"/api/v1/projects/{project_id}/claim-next", json={"agent_ref": f"first-{i}"})
            return r.status_code == 200 and bool(r.json().get("claimed"))

    with ThreadPoolExecutor(AGENTS) as pool:
        return sum(pool.map(agent, range(AGENTS)))


def rounds(ctx: Context, noop: Callable[[], float], drain: Callable[[], tuple[int, float]]) -> dict:
    """Drains and no-op slices taking turns (noop, drain, noop, drain, ..., noop): on a shared machine the
    load moves within seconds, and each drain is compared with the no-op slices on either side of it.
    `drain` seeds and empties one pool and returns (tasks, seconds)."""
    slices = [noop()]
    tasks = seconds = 0.0
    per_round = []
    for _ in range(ctx.pick(ROUNDS, 1)):
        n, took = drain()
        slices.append(noop())
        tasks += n
        seconds += took
        per_round.append((n / took) / ((slices[-2] + slices[-1]) / 2))
    return {
        "rate": tasks / seconds,
        "noop": sum(slices) / len(slices),
        "slices": slices,
        "per_round": per_round,
        "tasks": int(tasks),
    }


def _rounds_note(got: dict) -> str:
    return (
        f"{len(got['per_round'])} pools of {got['tasks'] // len(got['per_round'])} ready tasks, each claimed "
        f"exactly once (checked); ratio per pool {', '.join(f'{r:.2f}' for r in got['per_round'])}; no-op "
        f"slices {', '.join(f'{v:.0f}' for v in got['slices'])}/s"
    )


def run_rest(ctx: Context, server: LiveServer) -> list[Row]:
    """REST claim-next with AGENTS agents draining pools, beside the same server's no-op REST calls/s."""
    scratch = server.scratch
    n = ctx.pick(500, 160)
    refused: list[str] = []

    def drain() -> tuple[int, float]:
        pid, _ids = seed_pool(scratch, n, "claims-rest")
        started = time.perf_counter()
        wins = rest_claims(server, pid, refused, clients)
        took = time.perf_counter() - started
        claimed_once(scratch, pid, n, wins)
        return n, took

    clients = rest_clients(server)
    try:
        got = rounds(ctx, lambda: noop_rate(server, ctx.pick(3.0, 2.0), clients), drain)
    finally:
        for c in clients:
            c.close()
    rate, noop = got["rate"], got["noop"]
    first_pid, _ = seed_pool(scratch, AGENTS, "claims-first")
    served = first_call_winners(server, first_pid)
    where = f"{ctx.backend}, {ctx.workers} worker(s)"
    return [
        Row(
            "claims",
            f"claims/s, {AGENTS} agents over REST claim-next ({where})",
            rate,
            "/s",
            noop,
            f"no-op REST calls/s, {AGENTS} concurrent clients, same server",
            goal="≥ 0.4x",
            met=(rate / noop >= 0.4 and not refused) if noop and not ctx.quick else None,
            note=f"{_rounds_note(got)}; {len(refused)} refusals while tasks were free",
            extra={**got, "refused_while_free": len(refused)},
        ),
        Row(
            "claims",
            f"agents with a task after their first claim-next ({AGENTS} agents, {AGENTS} tasks)",
            served,
            "agents",
            AGENTS,
            "agents calling at once",
            goal="= 1x",
            met=served == AGENTS,
            note="no loser walks past tasks others took",
        ),
    ]


async def mcp_noop_rate(server: LiveServer, tokens: list[str], seconds: float) -> float:
    """No-op MCP tools/call per second from one SDK session per token, all calling at once."""
    from bench.bench_server import NOOP_TOOL

    counts = [0] * len(tokens)
    ready = anyio.Event()
    waiting = [len(tokens)]
    clock = {"deadline": 0.0, "started": 0.0}

    async def client(i: int) -> None:
        async with session(server.mcp_url, tokens[i], name=f"bench-noop-{i}") as c:
            await call_ok(c, NOOP_TOOL, {})  # connected and warm before the clock starts
            waiting[0] -= 1
            if waiting[0] == 0:
                clock["started"] = time.perf_counter()
                clock["deadline"] = clock["started"] + seconds
                ready.set()
            await ready.wait()
            while time.perf_counter() < clock["deadline"]:
                await call_ok(c, NOOP_TOOL, {})
                counts[i] += 1

    async with anyio.create_task_group() as group:
        for i in range(len(tokens)):
            group.start_soon(client, i)
    return sum(counts) / (time.perf_counter() - clock["started"])


async def _mcp_drain(
    server: LiveServer, tokens: list[str], project_id: str, refused: list[str]
) -> tuple[int, float]:
    """Claims/s of len(tokens) MCP agents draining the pool, sessions opened before the clock starts."""
    wins = [0] * len(tokens)
    ready = anyio.Event()
    waiting = [len(tokens)]
    clock = {"started": 0.0}

    async def agent(i: int) -> None:
        async with session(server.mcp_url, tokens[i], name=f"bench-agent-{i}") as client:
            waiting[0] -= 1
            if waiting[0] == 0:
                clock["started"] = time.perf_counter()
                ready.set()
            await ready.wait()
            while True:
                got = await call_ok(
                    client, "claim_next_task", {"project_id": project_id, "agent_ref": f"mcp-agent-{i}"}
                )
                if got.get("claimed"):
                    wins[i] += 1
                elif got.get("reason") == "contention":
                    refused.append(f"mcp-agent-{i}")
                else:
                    return

    async with anyio.create_task_group() as group:
        for i in range(len(tokens)):
            group.start_soon(agent, i)
    elapsed = time.perf_counter() - clock["started"]
    return sum(wins), elapsed


def run_mcp(ctx: Context, server: LiveServer, tokens: list[str]) -> list[Row]:
    """MCP claim_next_task with AGENTS agents draining a pool, beside the same server's no-op MCP calls/s
    at AGENTS concurrent sessions (one token each), in slices between the pools (rounds)."""
    scratch = server.scratch
    n = ctx.pick(500, 160)
    refused: list[str] = []

    def drain() -> tuple[int, float]:
        pid, _ids = seed_pool(scratch, n, "claims-mcp")
        wins, took = anyio.run(_mcp_drain, server, tokens, pid, refused)
        claimed_once(scratch, pid, n, wins)
        return n, took

    got = rounds(ctx, lambda: anyio.run(mcp_noop_rate, server, tokens, ctx.pick(3.0, 2.0)), drain)
    rate, noop = got["rate"], got["noop"]
    where = f"{ctx.backend}, {ctx.workers} worker(s)"
    return [
        Row(
            "claims",
            f"claims/s, {AGENTS} MCP agents (claim_next_task) ({where})",
            rate,
            "/s",
            noop,
            f"no-op MCP tools/call per s, {AGENTS} concurrent sessions, same server",
            goal="≥ 0.4x",
            met=(rate / noop >= 0.4 and not refused) if noop and not ctx.quick else None,
            note=f"{_rounds_note(got)}; {len(refused)} refusals while tasks were free",
            extra={**got, "refused_while_free": len(refused)},
        )
    ]
