"""The bare MCP SDK baseline: one no-op tool on a plain MCPServer, stateless + JSON like Plan Desk's endpoint,
served by the bench server's own uvicorn loop at BARE_PATH with no Plan Desk code in front of it."""

from __future__ import annotations

from typing import Any

BARE_PATH = "/bench/bare-mcp"
BARE_TOOL = "noop"


def bare_app(lifespan_parts: list) -> Any:
    """The SDK's Streamable HTTP ASGI app for a one-tool server; its session manager joins the app's lifespan."""
    from mcp.server import MCPServer
    from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
    from mcp.server.transport_security import TransportSecuritySettings

    server = MCPServer("bare", log_level="WARNING")

    @server.tool(name=BARE_TOOL, description="Returns at once.")
    def noop() -> dict:
        return {"ok": True}

    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*"],
            allowed_origins=["http://127.0.0.1:*"],
        ),
    )
    manager = server.session_manager
    lifespan_parts.append(lambda: manager.run())
    return StreamableHTTPASGIApp(manager)


def in_front_of(app: Any, bare: Any) -> Any:
    """An ASGI app that sends BARE_PATH to the bare SDK app before any Plan Desk middleware sees it."""

    async def route(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == BARE_PATH:
            return await bare(scope, receive, send)
        return await app(scope, receive, send)

    return route
