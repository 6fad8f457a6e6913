"""The ready frontier of a large plan: the head the core serves (first 50 ready, what 50 blocked wait on)
beside one raw NOT EXISTS query for the ready set, and get_next_task at 10k tasks beside the same at 200."""

from __future__ import annotations

from bench import raw_sql
from bench.context import Context
from bench.plan_data import random_plan
from bench.report import Row
from bench.scratch import scratch_workspace
from bench.timing import time_interleaved

HEAD_GOAL = 0.2  # frontier head / raw NOT EXISTS
NEXT_GOAL = 1.5  # get_next_task p50 at 10k / at 200


def run(ctx: Context) -> list[Row]:
    from plandesk.core import graph
    from plandesk.core.users import local_owner_actor

    n_tasks, n_edges = ctx.pick((10_000, 20_000), (1_000, 2_000))
    rounds = ctx.pick(40, 10)
    plan = random_plan(n_tasks, n_edges)
    small = random_plan(200, 400, seed=3)
    with scratch_workspace(ctx.backend, label="frontier") as scratch:
        db = scratch.open()
        try:
            actor = local_owner_actor(db)
            with db.write() as tx:
                pid = raw_sql.insert_project(db, tx.conn, "frontier")
                raw_sql.insert_plan(db, tx.conn, pid, plan)
                small_pid = raw_sql.insert_project(db, tx.conn, "frontier-200")
                raw_sql.insert_plan(db, tx.conn, small_pid, small)
            raw_sql.settle(db)

            def core_call():
                with db.read() as conn:
                    return graph.frontier(conn, actor, pid)

            def raw_call():
                with db.read() as conn:
                    return raw_sql.ready_frontier(conn, pid)

            ours, theirs = core_call(), raw_call()
            if ours["ready"] != theirs[: len(ours["ready"])]:
                raise RuntimeError(
                    f"the core and the raw query disagree on the head of the ready set "
                    f"({ours['ready'][:3]} vs {theirs[:3]})"
                )
            got = time_interleaved(
                {
                    "core": core_call,
                    "raw": raw_call,
                    "next_big": lambda: graph.get_next_task(db, actor, pid),
                    "next_small": lambda: graph.get_next_task(db, actor, small_pid),
                },
                count=rounds,
            )
            core, raw = got["core"], got["raw"]
        finally:
            db.dispose()
    ready_total = ours.get("ready_total", len(ours["ready"]))
    name = f"frontier head of {n_tasks:,} tasks / {n_edges:,} edges p50"
    head_ratio = core.p50 / raw.p50 if raw.p50 else None
    next_ratio = got["next_big"].p50 / got["next_small"].p50 if got["next_small"].p50 else None
    return [
        Row(
            "frontier",
            name,
            core.p50,
            "ms",
            raw.p50,
            "raw SQL (NOT EXISTS over edges)",
            goal=f"≤ {HEAD_GOAL}x",
            met=(head_ratio <= HEAD_GOAL) if head_ratio and not ctx.quick else None,
            note=f"first {len(ours['ready'])} of {ready_total} ready and {len(ours['blocked'])} of "
            f"{ours['blocked_total']} blocked with what each waits on; p95 {core.p95:.1f} ms (raw "
            f"{raw.p95:.1f})",
            extra={
                "core": core.summary(),
                "raw": raw.summary(),
                "ready": ready_total,
                "blocked": ours["blocked_total"],
            },
        ),
        Row(
            "frontier",
            f"get_next_task p50 at {n_tasks:,} tasks",
            got["next_big"].p50,
            "ms",
            got["next_small"].p50,
            "get_next_task p50 at 200 tasks, same database",
            goal=f"≤ {NEXT_GOAL}x",
            met=(next_ratio <= NEXT_GOAL) if next_ratio and not ctx.quick else None,
            note=f"p99 {got['next_big'].p99:.1f} ms (200 tasks: {got['next_small'].p99:.1f} ms)",
            extra={"big": got["next_big"].summary(), "small": got["next_small"].summary()},
        ),
    ]
