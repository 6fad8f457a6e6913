"""MCP SDK clients for either server tier: over the network to a `plandesk serve` process, or through the
in-process app's ASGI interface (the full HTTP stack: auth guard, routing, transport security, no socket)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

CALL_TIMEOUT = 60


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
