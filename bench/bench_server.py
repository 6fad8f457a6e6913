"""The server the benchmarks talk to: `plandesk serve`'s app and uvicorn settings, plus two bench-only baselines.

The baselines live in this process only, so a real server never lists or routes them:
- `GET /bench/noop`: a bare Starlette route (no FastAPI dependencies, no core, no database) behind the same
  Guard, on the same uvicorn loop, so REST figures divide by the cost of HTTP alone;
- the MCP tool `bench_noop`: declared like every Plan Desk tool and called through the same token guard,
  dispatcher, argument check and worker-thread hop, but it returns at once, so MCP figures divide by the cost
  of the SDK path alone;
- `/bench/bare-mcp` (bench/bare_mcp.py): a bare MCP SDK server with one no-op tool and nothing of Plan Desk in
  front of it, so the MCP no-op itself can be compared with the SDK's own cost.

Run as `python -m bench.bench_server --port N` with PLANDESK_DATA_DIR / PLANDESK_DATABASE_URL set.
"""

from __future__ import annotations

import argparse

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

NOOP_PATH = "/bench/noop"
NOOP_TOOL = "bench_noop"


async def noop(_request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def _add_noop_tool() -> bool:
    """Declare bench_noop in the tasks tool group before the app collects the groups; False without MCP."""
    try:
        from plandesk.mcp import tools_tasks
    except ImportError:
        return False
    group = tools_tasks.TOOLS
    if any(spec.name == NOOP_TOOL for spec in group.specs):
        return True

    @group.tool(
        NOOP_TOOL,
        read_only=True,
        description="Returns at once; exists only on the benchmark server.",
        params={},
    )
    def bench_noop(_call, _args: dict) -> dict:
        return {"ok": True}

    return True


def create():
    """uvicorn factory: the real app (as `plandesk serve` builds it) with the bench-only baselines added."""
    _add_noop_tool()
    from plandesk.app import app_from_env, fastapi_of

    asgi = app_from_env()
    app = fastapi_of(asgi)
    app.router.routes.insert(0, Route(NOOP_PATH, noop, methods=["GET"], include_in_schema=False))
    from bench.bare_mcp import bare_app, in_front_of

    return in_front_of(asgi, bare_app(app.state.lifespan_parts))


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (PostgreSQL for more than 1)"
    )
    args = parser.parse_args()
    # The same uvicorn options as `plandesk serve` (cli/workspace.py), loopback only.
    uvicorn.run(
        "bench.bench_server:create",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="info",
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
