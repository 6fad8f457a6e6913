"""The tool registry: how a module declares MCP tools, and which tools a given caller may see and call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from plandesk.core.actors import Actor
from plandesk.core.vocab import TOOLSETS
from plandesk.mcp.schemas import Schema, strict_object
from plandesk.mcp.validation import compile_schema


@dataclass(frozen=True)
class ToolCall:
    """What a tool function receives besides its arguments: the workspace and who is calling."""

    db: Any
    settings: Any
    actor: Actor
    tool: str


Handler = Callable[[ToolCall, dict], Any]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    handler: Handler
    input_schema: Schema
    output_schema: Schema
    toolset: str = "planning"
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    title: str | None = None
    # Extra narrowing beyond toolset and read-only (e.g. a connector operation the token must hold).
    available: Callable[[Actor], bool] | None = None
    # The core checks read-only itself on every call (a tool with read and write actions, or one whose
    # refusals the core must word and audit); `listed` then decides alone whether a caller sees it.
    core_checked: bool = False
    listed: Callable[[Caller], bool] | None = None
    validator: Draft202012Validator = field(default=None, compare=False, repr=False)  # type: ignore[assignment]


class ToolGroup:
    """The tools one `plandesk.mcp.tools_<name>` module contributes, exposed as its module attribute TOOLS."""

    def __init__(self) -> None:
        self.specs: list[ToolSpec] = []

    def tool(self, name: str, *, description: str, params: dict[str, Schema], output: Schema,
             required: Iterable[str] = (), toolset: str = "planning", read_only: bool = False,
             destructive: bool = False, idempotent: bool | None = None, title: str | None = None,
             available: Callable[[Actor], bool] | None = None, core_checked: bool = False,
             listed: Callable[[Caller], bool] | None = None) -> Callable[[Handler], Handler]:
        if toolset not in TOOLSETS:
            raise ValueError(f"tool {name}: toolset must be one of {TOOLSETS}")
        if output.get("type") != "object":
            raise ValueError(f"tool {name}: the output schema must describe an object")
        schema = strict_object(params, required)

        def register(fn: Handler) -> Handler:
            self.specs.append(ToolSpec(
                name=name, description=description.strip(), handler=fn, input_schema=schema,
                output_schema=output, toolset=toolset, read_only=read_only, destructive=destructive,
                idempotent=read_only if idempotent is None else idempotent, title=title, available=available,
                core_checked=core_checked, listed=listed, validator=compile_schema(schema)))
            return fn
        return register


@dataclass(frozen=True)
class Caller:
    """A token's actor plus the narrowing of this connection (the token's own scopes and the URL's)."""

    actor: Actor
    toolsets: frozenset[str]
    read_only: bool

    def refusal(self, spec: ToolSpec) -> str | None:
        """None when the caller may use the tool; otherwise why not, in words an agent can pass on."""
        if spec.toolset not in self.toolsets:
            return (f"tool {spec.name!r} belongs to the {spec.toolset!r} toolset, which this token or URL does "
                    f"not include (it has: {', '.join(sorted(self.toolsets)) or 'none'})")
        if not spec.read_only and not spec.core_checked and self.read_only:
            return f"tool {spec.name!r} changes data and this connection is read-only"
        if spec.available is not None and not spec.available(self.actor):
            return f"tool {spec.name!r} is not available to this token"
        return None

    def sees(self, spec: ToolSpec) -> bool:
        return self.refusal(spec) is None and (spec.listed is None or spec.listed(self))


class ToolRegistry:
    def __init__(self, groups: Iterable[ToolGroup]) -> None:
        self.specs: dict[str, ToolSpec] = {}
        for group in groups:
            for spec in group.specs:
                if spec.name in self.specs:
                    raise ValueError(f"two modules declare the MCP tool {spec.name!r}")
                self.specs[spec.name] = spec

    def get(self, name: str) -> ToolSpec | None:
        return self.specs.get(name)

    def visible_names(self, caller: Caller | None) -> set[str]:
        if caller is None:
            return set()
        return {name for name, spec in self.specs.items() if caller.sees(spec)}
