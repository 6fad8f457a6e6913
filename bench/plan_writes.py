"""Creating a plan through the core (one transaction per call, as the API does) beside raw executemany."""

from __future__ import annotations

from bench import raw_sql
from bench.context import Context
from bench.plan_data import random_plan
from bench.report import Row
from bench.scratch import scratch_workspace
from bench.timing import stopwatch


def run(ctx: Context) -> list[Row]:
    from plandesk.core import edges, projects, tasks
    from plandesk.core.users import local_owner_actor

    n_tasks, n_edges = ctx.pick((10_000, 20_000), (1_000, 2_000))
    plan = random_plan(n_tasks, n_edges)
    name = f"create {n_tasks:,} tasks + {n_edges:,} edges"
    with scratch_workspace(ctx.backend, label="writes") as scratch:
        db = scratch.open()
        try:
            actor = local_owner_actor(db)
            with stopwatch() as raw, db.write() as tx:
                pid = raw_sql.insert_project(db, tx.conn, "raw baseline")
                raw_sql.insert_plan(db, tx.conn, pid, plan)
            ctx.say(f"{name}: raw executemany {raw.seconds:.2f} s; now through the core")
            project = projects.create_project(db, actor, {"name": "through the core"})["id"]
            with stopwatch() as core:
                ids = [tasks.create_task(db, actor, project, dict(t))["id"] for t in plan.tasks]
                for a, b, label in plan.edges:
                    edges.create_edge(
                        db, actor, project, {"from_id": ids[a], "to_id": ids[b], "label": label}
                    )
        finally:
            db.dispose()
    per_call_ms = core.seconds * 1000 / (n_tasks + n_edges)
    return [
        Row(
            "plan writes",
            f"{name} (core, one call each)",
            core.seconds,
            "s",
            raw.seconds,
            "raw executemany, one transaction",
            note=f"{per_call_ms:.2f} ms per call with validation, cycle check, search index, audit",
            extra={"tasks": n_tasks, "edges": n_edges, "per_call_ms": per_call_ms},
        )
    ]
