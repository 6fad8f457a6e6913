"""MCP tools/call latency (p50, p99) for the planning tools beside a no-op tool on the same server and session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx2

from bench.bare_mcp import BARE_PATH, BARE_TOOL
from bench.bench_server import NOOP_TOOL
from bench.context import Context
from bench.live_server import LiveServer
from bench.report import Row
from bench.timing import Latency, time_interleaved_async

READ_GOAL = 1.5  # read tools within 1.5x of the no-op's latency
NOOP_VS_BARE_GOAL = 1.3  # Plan Desk's no-op within 1.3x the bare SDK's no-op (issue 11)
GET_VS_BARE_GOAL = 1.8  # get_task within 1.8x the bare SDK's no-op
CALL_TIMEOUT = 60


@asynccontextmanager
async def session(url: str, token: str, *, name: str = "plandesk-bench") -> AsyncIterator:
    """An MCP client session as agents open one: the official SDK over Streamable HTTP with a bearer token."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp_types import Implementation

    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=CALL_TIMEOUT) as http:
        client = Client(
            streamable_http_client(url, http_client=http),
            mode="legacy",
            client_info=Implementation(name=name, version="1.0"),
        )
        async with client:
            yield client


async def call_ok(client, tool: str, arguments: dict) -> dict:
    with anyio.fail_after(CALL_TIMEOUT):
        result = await client.call_tool(tool, arguments)
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {result.content[0].text if result.content else result}")
    return result.structured_content


def run(ctx: Context, server: LiveServer, token: str, project_id: str, task_id: str, query: str) -> list[Row]:
    count = ctx.pick(500, 60)
    return anyio.run(_measure, ctx, server, token, project_id, task_id, query, count)


async def _measure(ctx, server, token, project_id, task_id, query, count) -> list[Row]:
    async with session(server.mcp_url, token) as client, session(server.url + BARE_PATH, "unused") as bare:
        names = {t.name for t in (await client.list_tools()).tools}
        if NOOP_TOOL not in names:
            raise RuntimeError(f"the bench server does not list {NOOP_TOOL}")
        version = (await call_ok(client, "get_task", {"task_id": task_id}))["version"]
        label_turn = [0]

        async def update():
            nonlocal version
            label_turn[0] += 1
            out = await call_ok(
                client,
                "update_task",
                {"task_id": task_id, "version": version, "label": f"Benchmark task, edit {label_turn[0]}"},
            )
            version = out["version"]

        calls = {
            "bare": lambda: call_ok(bare, BARE_TOOL, {}),
            "noop": lambda: call_ok(client, NOOP_TOOL, {}),
            "get_task": lambda: call_ok(client, "get_task", {"task_id": task_id}),
            "search": lambda: call_ok(client, "search", {"query": query, "project_id": project_id}),
            "get_next_task": lambda: call_ok(client, "get_next_task", {"project_id": project_id}),
            "update_task": update,
        }
        got = await time_interleaved_async(calls, count=count)
    noop, bare = got["noop"], got["bare"]
    base = "bare MCP SDK no-op p50, same server process and loop"
    rows = [
        Row(
            "MCP",
            f"tools/call {NOOP_TOOL} p50 vs bare SDK",
            noop.p50,
            "ms",
            bare.p50,
            base,
            goal=f"≤ {NOOP_VS_BARE_GOAL}x bare",
            met=noop.p50 / bare.p50 <= NOOP_VS_BARE_GOAL,
            extra={"noop": noop.summary(), "bare": bare.summary()},
        ),
        Row(
            "MCP",
            "tools/call get_task p50 vs bare SDK",
            got["get_task"].p50,
            "ms",
            bare.p50,
            base,
            goal=f"≤ {GET_VS_BARE_GOAL}x bare",
            met=got["get_task"].p50 / bare.p50 <= GET_VS_BARE_GOAL,
        ),
    ]
    for tool in ("get_task", "search", "get_next_task", "update_task"):
        lat: Latency = got[tool]
        read = tool != "update_task"
        ratio = lat.p50 / noop.p50
        rows.append(
            Row(
                "MCP",
                f"tools/call {tool} p50",
                lat.p50,
                "ms",
                noop.p50,
                f"{NOOP_TOOL} p50, same session",
                goal=f"≤ {READ_GOAL}x no-op" if read else "",
                met=(ratio <= READ_GOAL) if read else None,
                extra={tool: lat.summary(), "noop": noop.summary()},
            )
        )
        rows.append(Row("MCP", f"tools/call {tool} p99", lat.p99, "ms", noop.p99, f"{NOOP_TOOL} p99"))
    rows[2].note = f"{count} calls per tool, taking turns with the no-op, one legacy-protocol SDK session"
    return rows
