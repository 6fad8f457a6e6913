"""MCP SDK clients for either server tier: over the network to a `plandesk serve` process, or through the
in-process app's ASGI interface (the full HTTP stack: auth guard, routing, transport security, no socket).

`mcp_client(server, token)` is the one way a test opens a session; it works from any event loop. An in-process
app serves its MCP sessions on its lifespan's loop (a thread of its own), so a client opened from a test's
loop is opened on that loop and each call hops to it (`_Bridged`); from the lifespan's own loop (`run_async`)
the client is used directly. `raw_post` sends one JSON-RPC request without the SDK, to see the HTTP answer.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio
import anyio.to_thread
import httpx2
from inprocess import TLS
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
MCP_HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": "2025-11-25",
}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def mint(server, name: str = "agent", **scopes) -> str:
    """A raw token from the REST API the UI uses (the loopback owner is signed in)."""
    r = server.client().post("/api/v1/tokens", json={"name": name, **scopes})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def raw_post(server, body: dict, *, token: str | None = None, headers: dict | None = None, path="/mcp/"):
    """One JSON-RPC POST without the SDK, to see the HTTP status the SDK client would wrap."""
    hdrs = {**MCP_HEADERS, **({"authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    with server.client() as c:
        return c.post(path, json=body, headers=hdrs, timeout=CALL_TIMEOUT)


def _http(server, headers: dict) -> httpx2.AsyncClient:
    app = getattr(server, "app", None)  # none for a process (or a bare URL): the real network
    if app is None:
        return httpx2.AsyncClient(headers=headers, timeout=CALL_TIMEOUT, verify=TLS)
    transport = httpx2.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return httpx2.AsyncClient(transport=transport, base_url=server.url, headers=headers, timeout=CALL_TIMEOUT)


@asynccontextmanager
async def _session(server, token, mode, client_name, path, url=None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if url is None:
        url = server.mcp_url if path is None else server.url + path
    # No deadline around the whole session (a module's session may outlive any one): each call has its own.
    async with _http(server, headers) as http:
        client = Client(
            streamable_http_client(url, http_client=http),
            mode=mode,
            client_info=Implementation(name=client_name, version="1.0"),
        )
        async with client:
            yield client


class _Bridged:
    """An SDK client that lives on an in-process app's loop, used from another loop: every coroutine method
    runs there (through a worker thread, so concurrent callers stay concurrent); attributes pass through."""

    def __init__(self, client: Client, portal) -> None:
        self._client = client
        self._portal = portal

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        async def hop(*args, **kwargs):
            # abandon_on_cancel: a caller's deadline (fail_after around a call) still ends the wait.
            return await anyio.to_thread.run_sync(
                partial(self._portal.call, partial(attr, *args, **kwargs)), abandon_on_cancel=True
            )

        return hop


def _on_server_loop(portal) -> bool:
    return getattr(portal, "_event_loop_thread_id", None) == threading.get_ident()


@asynccontextmanager
async def mcp_client(
    server, token: str | None = None, *, mode: str = "legacy", client_name: str = "pytest-agent", path=None
) -> AsyncIterator[Client]:
    """An SDK client session with `server` (AppServer or LiveServer), as an agent holding `token`.
    `path` ("/mcp" or "/mcp/") picks the endpoint spelling; the default is the server's mcp_url."""
    portal = getattr(server, "portal", None)
    if portal is None or _on_server_loop(portal):
        async with _session(server, token, mode, client_name, path) as client:
            yield client
        return
    cm = portal.wrap_async_context_manager(_session(server, token, mode, client_name, path))
    client = await anyio.to_thread.run_sync(cm.__enter__)
    try:
        yield _Bridged(client, portal)
    finally:
        await anyio.to_thread.run_sync(cm.__exit__, None, None, None)


def run_async(server, fn, *args):
    """Run `fn(*args)` to completion on the loop that serves `server`'s MCP sessions: an in-process app's
    sessions live on its lifespan's loop, so the client must too; a process is reached from a loop of our own."""
    portal = getattr(server, "portal", None)
    return portal.call(fn, *args) if portal is not None else anyio.run(fn, *args)


@asynccontextmanager
async def connect(
    url: str, token: str | None = None, *, mode: str = "legacy", client_name: str = "pytest-agent"
) -> AsyncIterator[Client]:
    """An SDK client session over the real network with the MCP endpoint at `url` (a process-tier server)."""
    async with _session(None, token, mode, client_name, None, url=url) as client:
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
