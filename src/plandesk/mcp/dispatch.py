"""From an MCP request to a core call and back: the caller, the checks, the thread hop and the result shape."""

from __future__ import annotations

import inspect
import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any, TypedDict

import anyio
import anyio.to_thread
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    TextContent,
    Tool,
    ToolAnnotations,
)

from plandesk.core import tokens
from plandesk.core.errors import PlanDeskError
from plandesk.mcp.registry import Caller, ToolCall, ToolRegistry, ToolSpec
from plandesk.mcp.validation import check_arguments

log = logging.getLogger("plandesk.mcp")
CALLER_KEY = "plandesk.mcp_caller"  # set on the ASGI scope by the token guard: the caller and its workspace


def caller_of(ctx: Any) -> Caller | None:
    request = getattr(ctx, "request", None)
    if request is None:
        return None
    return request.scope.get(CALLER_KEY)


class ClientNames:
    """clientInfo names seen at initialize, per token: a stateless tools/call carries none of its own."""

    def __init__(self, capacity: int = 4096) -> None:
        self._names: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def remember(self, token_id: str, name: str) -> None:
        self._names[token_id] = name[:200]
        self._names.move_to_end(token_id)
        while len(self._names) > self._capacity:
            self._names.popitem(last=False)

    def get(self, token_id: str | None) -> str | None:
        return self._names.get(token_id) if token_id else None


def _client_name(request_ctx: Any, caller: Caller, names: ClientNames) -> str | None:
    params = getattr(getattr(request_ctx, "session", None), "client_params", None)
    info = getattr(params, "client_info", None)
    if info is not None and getattr(info, "name", None):
        return str(info.name)[:200]
    return names.get(caller.actor.token_id)


def success(result: Any) -> CallToolResult:
    structured = result if isinstance(result, dict) else {"result": result}
    text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"), default=str)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


ERROR_META = "plandesk/error"  # the stable code and field, for clients that branch on them (plandesk.client)


def failure(message: str, error: dict | None = None) -> CallToolResult:
    # The text is the core's message, word for word the same as REST's problem+json `message`. No structured
    # content: the TypeScript SDK checks it against the tool's output schema even on an error result.
    # _meta is not checked against any schema, so the code and field ride there.
    return CallToolResult(
        content=[TextContent(type="text", text=message)],
        is_error=True,
        _meta={ERROR_META: error} if error else None,
    )


# Core calls run in worker threads, each holding a database connection; fewer at once than the pool holds, so a
# burst of agents queues here instead of timing out on the pool.
CORE_CONCURRENCY = 16


class Dispatcher:
    """The low-level server's tools/list and tools/call handlers: each request's caller (and the workspace it
    belongs to) comes from the ASGI scope the token guard filled, so nothing here is shared between apps."""

    def __init__(self, registry: ToolRegistry, settings: Any) -> None:
        self.registry = registry
        self.settings = settings
        self.client_names = ClientNames()
        self.limiter = anyio.CapacityLimiter(CORE_CONCURRENCY)
        # Definitions are built once: tools/list then only picks the caller's names from them.
        self.wire_tools = {spec.name: wire_tool(spec) for spec in registry.specs.values()}

    def input_schema(self, name: str) -> Mapping[str, Any] | None:
        spec = self.registry.get(name)
        return None if spec is None else spec.input_schema

    async def list_tools(self, ctx: Any, params: Any) -> ListToolsResult:
        caller = caller_of(ctx)
        if caller is None:
            return ListToolsResult(tools=[])
        if "code" in caller.toolsets:
            # Listing code tools reads the workspace's permission matrix: off the event loop.
            visible = await anyio.to_thread.run_sync(
                self.registry.visible_names, caller, limiter=self.limiter
            )
        else:
            visible = self.registry.visible_names(caller)
        return ListToolsResult(tools=[tool for name, tool in self.wire_tools.items() if name in visible])

    async def call_tool(self, ctx: Any, params: CallToolRequestParams) -> CallToolResult:
        spec = self.registry.get(params.name)
        if spec is None:
            return failure(f"Unknown tool: {params.name}")
        return await self.call(spec, params.arguments or {}, ctx)

    async def call(self, spec: ToolSpec, arguments: dict[str, Any], request_ctx: Any) -> CallToolResult:
        caller = caller_of(request_ctx)
        if caller is None or caller.db is None:
            message = "this call carries no Plan Desk token; send Authorization: Bearer <token>"
            return failure(message, {"code": "unauthorized", "message": message})
        refusal = caller.refusal(spec)
        if refusal is not None:
            return failure(refusal, {"code": "forbidden", "message": refusal})
        try:
            args = check_arguments(spec.name, spec.validator, arguments)
            actor = replace(
                caller.actor,
                client_name=_client_name(request_ctx, caller, self.client_names),
                read_only=caller.actor.read_only or caller.read_only,
            )
            call = ToolCall(db=caller.db, settings=self.settings, actor=actor, tool=spec.name)
            if inspect.iscoroutinefunction(spec.handler):
                result = await spec.handler(call, args)
            else:
                # One worker-thread hop per call: the run lookup of a write rides along with the core call.
                result = await anyio.to_thread.run_sync(
                    partial(_run_sync, spec, call, args), limiter=self.limiter
                )
        except PlanDeskError as exc:
            return failure(exc.message, exc.as_dict())
        except Exception:
            # The exception text may hold internals (SQL, paths); it stays in the server log.
            log.exception("MCP tool %s failed", spec.name)
            message = (
                f"{spec.name} failed on the server; nothing was changed. The server log has the details."
            )
            return failure(message, {"code": "internal", "message": message})
        return success(result)

    async def middleware(self, ctx: Any, call_next: Any) -> Any:
        """clientInfo remembered for later stateless calls, and a malformed tools/call answered in words."""
        if ctx.method == "initialize":
            caller = caller_of(ctx)
            info = ctx.params.get("clientInfo") if isinstance(ctx.params, Mapping) else None
            if caller is not None and isinstance(info, dict) and isinstance(info.get("name"), str):
                self.client_names.remember(caller.actor.token_id or "", info["name"])
        if ctx.method == "tools/call" and isinstance(ctx.params, Mapping):
            problem = _call_params_problem(ctx.params)
            if problem is not None:
                # The SDK would answer a bare "Invalid request parameters"; say what is wrong instead.
                raise MCPError(code=INVALID_PARAMS, message=problem)
        return await call_next(ctx)


def _run_sync(spec: ToolSpec, call: ToolCall, args: dict) -> Any:
    if not spec.read_only and not spec.run_in_core:
        # Writes are audited with the run the agent has open, so its changes read as one piece of work.
        call = replace(call, actor=tokens.with_open_run(call.db, call.actor))
    return spec.handler(call, args)


def wire_tool(spec: ToolSpec) -> Tool:
    """The tool as tools/list sends it: our registry's schemas as they are, nothing derived from a signature."""
    return Tool(
        name=spec.name,
        description=spec.description,
        input_schema=spec.input_schema,
        output_schema=spec.output_schema,
        annotations=annotations_of(spec),
    )


class _Hints(TypedDict, total=False):
    """The ToolAnnotations hints a spec may set away from their defaults (unset ones stay off the wire)."""

    destructive_hint: bool
    idempotent_hint: bool


def annotations_of(spec: ToolSpec) -> ToolAnnotations | None:
    """Only hints that differ from the spec's defaults (not read-only, destructive, not idempotent)."""
    if spec.read_only:
        return ToolAnnotations(read_only_hint=True)
    hints: _Hints = {}
    if not spec.destructive:
        hints["destructive_hint"] = False
    if spec.idempotent:
        hints["idempotent_hint"] = True
    return ToolAnnotations(**hints) if hints else None


def _call_params_problem(params: Mapping) -> str | None:
    name = params.get("name")
    if not isinstance(name, str) or not name:
        return "tools/call needs params.name: the name of the tool to call (see tools/list)"
    arguments = params.get("arguments")
    if arguments is not None and not isinstance(arguments, Mapping):
        return f"tools/call params.arguments must be an object of named arguments for {name[:64]}"
    return None
