"""Importing a large plan file as `plandesk import` does (parse, validate, write): time and peak memory."""

from __future__ import annotations

import json

from bench import raw_sql
from bench.context import Context
from bench.plan_data import random_plan
from bench.report import Row, not_available
from bench.scratch import scratch_workspace
from bench.timing import stopwatch

GOAL_S = 10.0


def run(ctx: Context) -> list[Row]:
    try:
        from plandesk.core import portability
    except ImportError:
        return [not_available("import", "import of a 10,000-task plan", "core.portability has not landed")]
    from plandesk.core.users import local_owner_actor

    n_tasks, n_edges = ctx.pick((10_000, 20_000), (1_000, 2_000))
    plan = random_plan(n_tasks, n_edges)
    with scratch_workspace(ctx.backend, label="import") as scratch:
        db = scratch.open()
        try:
            actor = local_owner_actor(db)
            # The file: a project seeded by raw SQL (tasks, edges, search rows), exported by the core.
            with db.write() as tx:
                source = raw_sql.insert_project(db, tx.conn, "exported plan")
                raw_sql.insert_plan(db, tx.conn, source, plan, with_search=True)
            blob = json.dumps(portability.export_project(db, actor, source)).encode()
            with stopwatch(trace_memory=True) as parse_only:
                json.loads(blob)
            with stopwatch(trace_memory=True) as imported:
                result = portability.import_project(db, actor, portability.parse_export(blob))
            with stopwatch() as raw, db.write() as tx:
                pid = raw_sql.insert_project(db, tx.conn, "raw baseline")
                raw_sql.insert_plan(db, tx.conn, pid, plan, with_search=True)
            new_id = result.get("project_id") or result.get("id") or (result.get("project") or {}).get("id")
            from sqlalchemy import func, select

            from plandesk.db.schema import tasks

            with db.read() as conn:
                landed = (
                    conn.execute(
                        select(func.count()).select_from(tasks).where(tasks.c.project_id == new_id)
                    ).scalar_one()
                    if new_id
                    else None
                )
        finally:
            db.dispose()
    if landed is not None and landed != n_tasks:
        raise RuntimeError(f"the import wrote {landed} tasks, expected {n_tasks}")
    size = f"{n_tasks:,}-task plan ({len(blob) / 1e6:.1f} MB, {n_edges:,} edges)"
    return [
        Row(
            "import",
            f"import of a {size}",
            imported.seconds,
            "s",
            raw.seconds,
            "raw executemany of the same rows",
            goal=f"< {GOAL_S:.0f} s" + (" (at 10k)" if ctx.quick else ""),
            met=(imported.seconds < GOAL_S) if not ctx.quick else None,
            note="parse + validate every reference + write in one transaction, with search index and audit",
        ),
        Row(
            "import",
            "import peak Python memory",
            imported.peak_mib,
            "MiB",
            parse_only.peak_mib,
            "json.loads of the same file",
            note="tracemalloc peak: the parsed document plus what import adds",
        ),
    ]
