"""The ready frontier of a large plan: core.graph.frontier beside one raw SQL query giving the same ready set."""

from __future__ import annotations

from bench import raw_sql
from bench.context import Context
from bench.plan_data import random_plan
from bench.report import Row
from bench.scratch import scratch_workspace
from bench.timing import time_interleaved

GOAL_MS = 20.0


def run(ctx: Context) -> list[Row]:
    from plandesk.core import graph
    from plandesk.core.users import local_owner_actor

    n_tasks, n_edges = ctx.pick((10_000, 20_000), (1_000, 2_000))
    rounds = ctx.pick(40, 10)
    plan = random_plan(n_tasks, n_edges)
    with scratch_workspace(ctx.backend, label="frontier") as scratch:
        db = scratch.open()
        try:
            actor = local_owner_actor(db)
            with db.write() as tx:
                pid = raw_sql.insert_project(db, tx.conn, "frontier")
                raw_sql.insert_plan(db, tx.conn, pid, plan)
            if not db.is_sqlite:
                with db.engine.connect() as conn:  # fresh planner statistics, as autovacuum would leave them
                    conn.exec_driver_sql("ANALYZE")
                    conn.commit()

            def core_call():
                with db.read() as conn:
                    return graph.frontier(conn, actor, pid)

            def raw_call():
                with db.read() as conn:
                    return raw_sql.ready_frontier(conn, pid)

            ours, theirs = core_call(), raw_call()
            if ours["ready"] != theirs:
                raise RuntimeError(f"the core and the raw query disagree on the ready set "
                                   f"({len(ours['ready'])} vs {len(theirs)} tasks)")
            got = time_interleaved({"core": core_call, "raw": raw_call}, count=rounds)
            core, raw = got["core"], got["raw"]
        finally:
            db.dispose()
    name = f"ready frontier of {n_tasks:,} tasks / {n_edges:,} edges p50"
    return [Row("frontier", name, core.p50, "ms", raw.p50, "raw SQL (NOT EXISTS over edges)",
                goal=f"< {GOAL_MS:.0f} ms" + ("" if not ctx.quick else " (at 10k)"),
                met=(core.p50 < GOAL_MS) if not ctx.quick else None,
                note=f"{len(ours['ready'])} ready, {ours['blocked_total']} blocked; p95 {core.p95:.1f} ms "
                     f"(raw {raw.p95:.1f}); the core also lists what each blocked task waits on",
                extra={"core": core.summary(), "raw": raw.summary(), "ready": len(ours["ready"]),
                       "blocked": ours["blocked_total"]})]
