"""REST GET latency on the live server beside a bare Starlette route on the same server (same loop, same guard)."""

from __future__ import annotations

import httpx2

from bench.bench_server import NOOP_PATH
from bench.context import Context
from bench.live_server import LiveServer
from bench.report import Row
from bench.timing import time_interleaved


def run(ctx: Context, server: LiveServer, project_id: str, task_id: str) -> list[Row]:
    count = ctx.pick(1000, 150)
    with httpx2.Client(base_url=server.url, timeout=30) as client:

        def get(path: str):
            def call():
                r = client.get(path)
                if r.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {r.status_code}: {r.text[:200]}")

            return call

        got = time_interleaved(
            {
                "task": get(f"/api/v1/tasks/{task_id}"),
                "noop": get(NOOP_PATH),
                "list": get(f"/api/v1/projects/{project_id}/tasks?limit=50"),
            },
            count=count,
        )
    task, noop, listed = got["task"], got["noop"], got["list"]
    base = "bare Starlette route, same server"
    return [
        Row(
            "REST",
            "GET /api/v1/tasks/{id} p50",
            task.p50,
            "ms",
            noop.p50,
            base,
            note=f"{count} sequential keep-alive requests, interleaved with the baseline",
            extra={"task": task.summary(), "noop": noop.summary()},
        ),
        Row("REST", "GET /api/v1/tasks/{id} p99", task.p99, "ms", noop.p99, base),
        Row(
            "REST",
            "GET /api/v1/projects/{id}/tasks?limit=50 p50",
            listed.p50,
            "ms",
            noop.p50,
            base,
            note="a page of 50 tasks with tags, a cursor and the total",
            extra={"list": listed.summary()},
        ),
    ]
