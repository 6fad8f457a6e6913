"""From an MCP request to a core call and back: the caller, the checks, the thread hop and the result shape."""

from __future__ import annotations

import inspect
import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolResult, TextContent, ToolAnnotations

from plandesk.core import tokens
from plandesk.core.errors import PlanDeskError
from plandesk.mcp.registry import Caller, ToolCall, ToolRegistry, ToolSpec
from plandesk.mcp.validation import check_arguments

log = logging.getLogger("plandesk.mcp")
CALLER_KEY = "plandesk.mcp_caller"  # set on the ASGI scope by the token guard


class _RawArguments(FuncMetadata):
    """Hand the arguments through untouched: our own schema check runs inside the call and words the errors."""

    def validate_arguments(self, arguments_to_validate: dict[str, Any]) -> dict[str, Any]:
        return {"arguments": dict(arguments_to_validate)}


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
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True,
                          _meta={ERROR_META: error} if error else None)


# Core calls run in worker threads, each holding a database connection; fewer at once than the pool holds, so a
# burst of agents queues here instead of timing out on the pool.
CORE_CONCURRENCY = 16


class Dispatcher:
    def __init__(self, registry: ToolRegistry, db: Any, settings: Any) -> None:
        self.registry = registry
        self.db = db
        self.settings = settings
        self.client_names = ClientNames()
        self.limiter = anyio.CapacityLimiter(CORE_CONCURRENCY)

    def sdk_tools(self) -> list[Tool]:
        return [self._sdk_tool(spec) for spec in self.registry.specs.values()]

    def _sdk_tool(self, spec: ToolSpec) -> Tool:
        async def run(arguments: dict[str, Any], ctx: Any) -> CallToolResult:
            return await self.call(spec, arguments, ctx.request_context)

        return Tool(fn=run, name=spec.name, description=spec.description,
                    parameters=spec.input_schema, fn_metadata=_RawArguments(arg_model=ArgModelBase,
                                                                            output_schema=spec.output_schema),
                    is_async=True, context_kwarg="ctx", annotations=annotations_of(spec))

    async def call(self, spec: ToolSpec, arguments: dict[str, Any], request_ctx: Any) -> CallToolResult:
        caller = caller_of(request_ctx)
        if caller is None:
            message = "this call carries no Plan Desk token; send Authorization: Bearer <token>"
            return failure(message, {"code": "unauthorized", "message": message})
        refusal = caller.refusal(spec)
        if refusal is not None:
            return failure(refusal, {"code": "forbidden", "message": refusal})
        try:
            args = check_arguments(spec.name, spec.validator, arguments)
            actor = replace(caller.actor, client_name=_client_name(request_ctx, caller, self.client_names),
                            read_only=caller.actor.read_only or caller.read_only)
            call = ToolCall(db=self.db, settings=self.settings, actor=actor, tool=spec.name)
            if inspect.iscoroutinefunction(spec.handler):
                result = await spec.handler(call, args)
            else:
                # One worker-thread hop per call: the run lookup of a write rides along with the core call.
                result = await anyio.to_thread.run_sync(partial(_run_sync, spec, call, args), limiter=self.limiter)
        except PlanDeskError as exc:
            return failure(exc.message, exc.as_dict())
        except Exception:
            # The exception text may hold internals (SQL, paths); it stays in the server log.
            log.exception("MCP tool %s failed", spec.name)
            message = f"{spec.name} failed on the server; nothing was changed. The server log has the details."
            return failure(message, {"code": "internal", "message": message})
        return success(result)

    async def middleware(self, ctx: Any, call_next: Any) -> Any:
        """Per-caller view of the tool list, and clientInfo remembered for later stateless calls."""
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
        result = await call_next(ctx)
        if ctx.method == "tools/list" and isinstance(result, dict) and isinstance(result.get("tools"), list):
            visible = self.registry.visible_names(caller_of(ctx))
            result = {**result, "tools": [t for t in result["tools"] if t.get("name") in visible]}
        return result


def _run_sync(spec: ToolSpec, call: ToolCall, args: dict) -> Any:
    if not spec.read_only:
        # Writes are audited with the run the agent has open, so its changes read as one piece of work.
        call = replace(call, actor=tokens.with_open_run(call.db, call.actor))
    return spec.handler(call, args)


def annotations_of(spec: ToolSpec) -> ToolAnnotations | None:
    """Only hints that differ from the spec's defaults (not read-only, destructive, not idempotent)."""
    if spec.read_only:
        return ToolAnnotations(read_only_hint=True)
    hints: dict[str, bool] = {}
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
