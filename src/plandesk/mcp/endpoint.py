"""Mounts the MCP endpoint on the app: a fresh SDK server per app, /mcp and /mcp/, the token guard, the tools."""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route

from plandesk import __version__
from plandesk.mcp.auth import McpTokenGuard
from plandesk.mcp.dispatch import Dispatcher
from plandesk.mcp.registry import ToolGroup, ToolRegistry
from plandesk.mcp.tools_agents import serve_skill

# Each `plandesk.mcp.tools_<name>` module exposes TOOLS (a ToolGroup); a new toolset is a new module named here.
TOOL_MODULES = (
    "projects",
    "agents",
    "tasks",
    "runs",
    "history",
    "edges",
    "documents",
    "notes",
    "goals",
    "shares",
    "code",
)

INSTRUCTIONS = (
    "Plan Desk: projects of tasks with dependencies. Every id comes from a tool result (start with "
    "list_projects); never guess one. The loop: get_agent_context, start_agent_run, claim_next_task, do the "
    "work, record_agent_progress, update_task status done with the version you hold, again; complete_agent_run "
    "at the end. Documents, notes, goals, graph, history, projects, shares and code are opt-in toolsets "
    "(?toolsets=planning,documents or all)."
)


def tool_modules(names: tuple[str, ...] = TOOL_MODULES) -> list[ModuleType]:
    # Every module is part of the product: a missing one fails the server's start, never a quieter tool list.
    return [importlib.import_module(f"plandesk.mcp.tools_{name}") for name in names]


def tool_groups(names: tuple[str, ...] = TOOL_MODULES) -> list[ToolGroup]:
    return [module.TOOLS for module in tool_modules(names)]


def transport_security(settings: Any) -> TransportSecuritySettings:
    """The SDK's Host/Origin check stays off: its Origin patterns (`http://host:*`) accept a page on any port of
    an allowed host, which is another origin. Host and Origin are judged once, for /mcp as for every other path,
    by the outer guard (api/guard.py) with the one Origin rule (core/access.origin_allowed: scheme, host and
    port); the SDK still checks the Content-Type of posts."""
    del settings
    return TransportSecuritySettings(enable_dns_rebinding_protection=False)


def install(app: Any, db: Any, settings: Any) -> Server:
    registry = ToolRegistry(tool_groups())
    dispatcher = Dispatcher(registry, settings)
    # The SDK logs every stateless request at INFO ("Terminating session"); only what needs a look reaches the log.
    logging.getLogger("mcp").setLevel(logging.WARNING)
    # A new Server per app: its session manager's run() may be entered only once. The handlers read the caller
    # and its workspace from each request (the guard below puts them there), never from this app's closure.
    server = Server(
        "plandesk",
        version=__version__,
        instructions=INSTRUCTIONS,
        # The tools, answered by the dispatcher.
        get_tool_input_schema=dispatcher.input_schema,
        on_list_tools=dispatcher.list_tools,
        on_call_tool=dispatcher.call_tool,
    )
    serve_skill(server)  # the agent skill, as a prompt and as a resource
    server.middleware.append(dispatcher.middleware)
    # stateless + JSON: any server process sharing the database can answer any request, no session affinity.
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        host=settings.host,
        max_request_body_size=settings.max_body_bytes,
        transport_security=transport_security(settings),
    )
    session_manager = server.session_manager
    guarded = McpTokenGuard(StreamableHTTPASGIApp(session_manager), db, dispatcher.limiter)
    # Two plain routes instead of a Mount: neither /mcp nor /mcp/ answers with a redirect a client could mishandle.
    # First in the table: every agent call would otherwise be matched against every REST and page route first.
    for path in ("/mcp/", "/mcp"):
        app.router.routes.insert(
            0, Route(path, endpoint=guarded, methods=["GET", "POST", "DELETE"], include_in_schema=False)
        )
    app.state.mcp_asgi = guarded  # the outer guard sends /mcp here directly (api/guard.py)
    app.state.lifespan_parts.append(lambda: session_manager.run())
    app.state.mcp_server = server
    app.state.mcp_tools = registry
    return server
