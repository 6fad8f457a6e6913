"""`python -m bench [--backend sqlite|postgresql] [--quick]`: every benchmark, one table, bench/results.json."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from bench import (
    delegated,
    frontier,
    on_server,
    plan_import,
    plan_scaffold,
    plan_writes,
    report,
    search,
    soak,
)
from bench.context import Context
from bench.report import Row, not_available

# (area, what it measures, the function); each runs on its own scratch workspace.
AREAS: list[tuple[str, str, Callable[[Context], list[Row]]]] = [
    ("writes", "create 10k tasks + 20k edges", plan_writes.run),
    ("frontier", "ready frontier of a 10k-task graph", frontier.run),
    ("search", "search over 100k rows", search.run),
    ("import", "import of a 10k-task plan", plan_import.run),
    ("server", "REST, MCP, claims, memory", on_server.run),
    ("claims", "32 agents claiming over REST and MCP beside no-op calls", on_server.run_claims),
    ("scaffold", "scaffold of a 1,000-task plan beside its import", plan_scaffold.run),
    ("board", "board render for 2,000 tasks", delegated.board),
    ("code_search", "code_search over 50k files", delegated.code_search),
    ("soak", "concurrent MCP clients, mixed reads and writes", soak.as_rows),
]


def _stop_on_sigterm() -> None:
    # Scratch folders and PostgreSQL databases are removed in `finally` blocks; SIGTERM must reach them.
    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="sqlite (a temporary folder) or postgresql (a scratch database on 127.0.0.1:5432, "
        "dropped afterwards; PLANDESK_BENCH_PG_URL overrides the admin URL)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes of the benchmark server (server and claims areas; PostgreSQL only above 1)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in about a minute")
    parser.add_argument(
        "--only",
        action="append",
        metavar="AREA",
        help=f"run only these areas ({', '.join(a for a, _, _ in AREAS)}); repeatable",
    )
    parser.add_argument("--out", default=str(report.RESULTS_PATH), help="where to write the JSON results")
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    logging.getLogger("mcp").setLevel(logging.WARNING)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    if args.workers > 1 and args.backend == "sqlite":
        parser.error("--workers above 1 needs --backend postgresql (SQLite has one writer)")
    ctx = Context(backend=args.backend, quick=args.quick, workers=args.workers)
    started = time.perf_counter()
    rows: list[Row] = []
    for area, what, measure in AREAS:
        if args.only and area not in args.only:
            continue
        ctx.say(f"{area}: {what}{' (quick sizes)' if args.quick else ''}")
        t0 = time.perf_counter()
        try:
            rows += measure(ctx)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001  the one command always finishes; the row names what failed
            rows.append(not_available(area, what, f"failed: {exc.__class__.__name__}: {str(exc)[:200]}"))
        ctx.say(f"{area} took {time.perf_counter() - t0:.0f} s")
    meta = {
        "backend": args.backend,
        "quick": args.quick,
        "workers": args.workers,
        "seconds": round(time.perf_counter() - started, 1),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    report.render(rows, meta, Console(width=max(Console().width, 200)))
    path = report.write_json(rows, meta, path=Path(args.out))
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
