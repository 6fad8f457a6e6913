"""MCP SDK clients for either server tier: over the network to a `plandesk serve` process, or through the
in-process app's ASGI interface (the full HTTP stack: auth guard, routing, transport security, no socket)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, Implementation

CALL_TIMEOUT = 60
# The work loop a default token sees (the spec of the lean surface: docs/mcp.md, the skill).
DEFAULT_TOOLS = {
    "list_projects",
    "get_agent_context",
    "claim_next_task",
    "get_next_task",
    "renew_claim",
    "release_task",
    "get_task",
    "list_tasks",
    "create_task",
    "update_task",
    "search",
    "start_agent_run",
    "record_agent_progress",
    "complete_agent_run",
}


def _http(server, headers: dict) -> httpx2.AsyncClient:
    app = getattr(server, "app", None)
    if app is None:
        return httpx2.AsyncClient(headers=headers, timeout=CALL_TIMEOUT)
    transport = httpx2.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return httpx2.AsyncClient(transport=transport, base_url=server.url, headers=headers, timeout=CALL_TIMEOUT)


@asynccontextmanager
async def mcp_client(server, token: str | None = None, *, mode: str = "legacy") -> AsyncIterator[Client]:
    """An SDK client session with `server` (AppServer or LiveServer), as an agent holding `token`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with _http(server, headers) as http:
        with anyio.fail_after(CALL_TIMEOUT):
            async with Client(streamable_http_client(server.mcp_url, http_client=http), mode=mode) as client:
                yield client


def run_async(server, fn, *args):
    """Run `fn(*args)` to completion on the loop that serves `server`'s MCP sessions: an in-process app's
    sessions live on its lifespan's loop, so the client must too; a process is reached from a loop of our own."""
    portal = getattr(server, "portal", None)
    return portal.call(fn, *args) if portal is not None else anyio.run(fn, *args)


@asynccontextmanager
async def connect(
    url: str, token: str | None = None, *, mode: str = "legacy", client_name: str = "pytest-agent"
) -> AsyncIterator[Client]:
    """An SDK client session over the network with the MCP endpoint at `url` (a process-tier server)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=CALL_TIMEOUT) as http:
        with anyio.fail_after(CALL_TIMEOUT):
            client = Client(
                streamable_http_client(url, http_client=http),
                mode=mode,
                client_info=Implementation(name=client_name, version="1.0"),
            )
            async with client:
                yield client


async def call(client: Client, name: str, arguments: dict | None = None) -> CallToolResult:
    with anyio.fail_after(CALL_TIMEOUT):
        return await client.call_tool(name, arguments or {})


async def ok(client: Client, name: str, arguments: dict | None = None) -> dict:
    result = await call(client, name, arguments)
    assert not result.is_error, f"{name} failed: {result.content[0].text if result.content else result}"
    return result.structured_content


async def error(client: Client, name: str, arguments: dict | None = None) -> str:
    """The error text of a call that must fail (isError), checked to be free of internals."""
    result = await call(client, name, arguments)
    assert result.is_error, f"{name} should have failed but returned {result.structured_content}"
    text = result.content[0].text
    for leak in (
        "Traceback",
        "sqlalchemy",
        "pydantic",
        "jsonschema",
        "Error executing tool",
        "validation error",
    ):
        assert leak not in text, text
    return text


async def tool_names(client: Client) -> set[str]:
    with anyio.fail_after(CALL_TIMEOUT):
        return {t.name for t in (await client.list_tools()).tools}
