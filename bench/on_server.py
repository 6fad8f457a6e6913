"""The benchmarks that need a live server: REST, MCP, claims, and the server's memory idle and after that load."""

from __future__ import annotations

from collections.abc import Callable

from bench import claims, live_server, mcp_calls, raw_sql, rest_calls
from bench.context import Context
from bench.plan_data import random_plan
from bench.report import Row, not_available
from bench.scratch import scratch_workspace


def _guarded(area: str, name: str, measure: Callable[[], list[Row]]) -> list[Row]:
    try:
        return measure()
    except Exception as exc:  # noqa: BLE001  one broken area must not stop the table; the row says why
        return [not_available(area, name, f"failed: {exc.__class__.__name__}: {str(exc)[:160]}")]


def run(ctx: Context) -> list[Row]:
    n_tasks = ctx.pick(1000, 300)
    plan = random_plan(n_tasks, 2 * n_tasks, seed=21)
    mcp_ready = live_server.has_mcp()
    with scratch_workspace(ctx.backend, label="server") as scratch:
        db = scratch.open()
        try:
            with db.write() as tx:
                pid = raw_sql.insert_project(db, tx.conn, "Benchmark project")
                ids = raw_sql.insert_plan(db, tx.conn, pid, plan, with_search=True)
            raw_sql.settle(db)
        finally:
            db.dispose()
        tokens = live_server.mint_tokens(scratch, 1 + claims.AGENTS) if mcp_ready else []
        query = plan.tasks[len(plan.tasks) // 2]["label"].split()[1]  # a word some task labels share
        server = live_server.start(scratch, workers=ctx.workers)
        rows: list[Row] = []
        try:
            idle = server.rss_mib()
            ctx.say(f"server on {server.url}: {n_tasks:,} tasks seeded, {idle:.0f} MiB idle")
            rows += _guarded("REST", "REST GET", lambda: rest_calls.run(ctx, server, pid, ids[0]))
            if mcp_ready:
                rows += _guarded(
                    "MCP", "MCP tools/call", lambda: mcp_calls.run(ctx, server, tokens[0], pid, ids[1], query)
                )
            else:
                rows.append(not_available("MCP", "MCP tools/call p50/p99", "src/plandesk/mcp has not landed"))
            rows += _guarded(
                "claims", "claims per second", lambda: claims.run(ctx, server, tokens[1:] or None)
            )
            after = server.rss_mib()
            if not server.alive():
                raise RuntimeError("the server died under load: " + server.log_text()[-1000:])
            errors = server.log_text().count("Traceback")
            rows.append(
                Row(
                    "memory",
                    "server RSS after the load above",
                    after,
                    "MiB",
                    idle,
                    "the same server idle, before the load",
                    note=f"{n_tasks:,}-task project; tracebacks in the server log: {errors}",
                    extra={"idle_mib": idle, "after_mib": after, "tracebacks": errors},
                )
            )
        finally:
            server.stop()
    return rows


def run_claims(ctx: Context) -> list[Row]:
    """Only the claims figures, on a server of their own (with --workers N on PostgreSQL)."""
    with scratch_workspace(ctx.backend, label="claims") as scratch:
        tokens = live_server.mint_tokens(scratch, claims.AGENTS) if live_server.has_mcp() else []
        server = live_server.start(scratch, workers=ctx.workers)
        try:
            rows = claims.run_rest(ctx, server)
            if tokens:
                rows += _guarded(
                    "claims", "MCP claims per second", lambda: claims.run_mcp(ctx, server, tokens)
                )
            if not server.alive():
                raise RuntimeError("the server died under load: " + server.log_text()[-1000:])
        finally:
            server.stop()
    return rows
