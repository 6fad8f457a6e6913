"""The tool registry: how a module declares MCP tools, and which tools a given caller may see and call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from plandesk.core.actors import Actor
from plandesk.core.vocab import PLANNING_TOOLSETS, TOOLSETS
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
    output_schema: Schema | None  # only where a client branches on the result; every tool returns structured
    toolset: str = "planning"
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
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

    def tool(
        self,
        name: str,
        *,
        description: str,
        params: dict[str, Schema],
        output: Schema | None = None,
        required: Iterable[str] = (),
        toolset: str = "planning",
        read_only: bool = False,
        destructive: bool = False,
        idempotent: bool | None = None,
        available: Callable[[Actor], bool] | None = None,
        core_checked: bool = False,
        listed: Callable[[Caller], bool] | None = None,
    ) -> Callable[[Handler], Handler]:
        if toolset not in TOOLSETS or toolset == "all":
            raise ValueError(f"tool {name}: toolset must be one of {TOOLSETS[:-1]}")
        if output is not None and output.get("type") != "object":
            raise ValueError(f"tool {name}: the output schema must describe an object")
        schema = strict_object(params, required)

        def register(fn: Handler) -> Handler:
            self.specs.append(
                ToolSpec(
                    name=name,
                    description=" ".join(description.split()),
                    handler=fn,
                    input_schema=schema,
                    output_schema=output,
                    toolset=toolset,
                    read_only=read_only,
                    destructive=destructive,
                    idempotent=read_only if idempotent is None else idempotent,
                    available=available,
                    core_checked=core_checked,
                    listed=listed,
                    validator=compile_schema(schema),
                )
            )
            return fn

        return register

    def fetch_one(
        self,
        name: str,
        id_field: str,
        id_schema: Schema,
        fetch: Callable[[Any, Actor, str], Any],
        description: str,
        *,
        toolset: str = "planning",
    ) -> None:
        """A read-only tool that returns one record by its id: `fetch(db, actor, <id_field>)` in core."""

        def handler(call: ToolCall, a: dict) -> Any:
            return fetch(call.db, call.actor, a[id_field])

        handler.__name__ = handler.__qualname__ = name
        self.tool(
            name,
            toolset=toolset,
            read_only=True,
            description=description,
            params={id_field: id_schema},
            required=[id_field],
        )(handler)


def expand_toolsets(names: Iterable[str]) -> frozenset[str]:
    """Toolset names with `all` spelled out."""
    out = set(names)
    if "all" in out:
        out |= set(TOOLSETS)
    out.discard("all")
    return frozenset(out)


def permitted_toolsets(granted: Iterable[str]) -> frozenset[str]:
    """What a token's toolsets let it call: any planning toolset opens them all (a planning toolset only
    shapes the list; role, scopes and read-only decide what a call may do), and `code` is a grant of its own."""
    granted = expand_toolsets(granted)
    out = set(PLANNING_TOOLSETS) if granted & set(PLANNING_TOOLSETS) else set()
    if "code" in granted:
        out.add("code")
    return frozenset(out)


@dataclass(frozen=True)
class Caller:
    """A token's actor plus the narrowing of this connection: the toolsets it may call, those it lists."""

    actor: Actor
    toolsets: frozenset[
        str
    ]  # listed: the URL's ?toolsets= if given, else the token's; never wider than permitted
    read_only: bool
    permitted: frozenset[str] = frozenset()
    # The workspace this request reached: per request, so two apps in one process never see each other's.
    db: Any = field(default=None, compare=False, repr=False)

    def refusal(self, spec: ToolSpec) -> str | None:
        """None when the caller may use the tool; otherwise why not, in words an agent can pass on."""
        if spec.toolset not in self.permitted:
            return (
                f"tool {spec.name!r} belongs to the {spec.toolset!r} toolset, which this token does not "
                f"include (it has: {', '.join(sorted(self.permitted)) or 'none'})"
            )
        if not spec.read_only and not spec.core_checked and self.read_only:
            return f"tool {spec.name!r} changes data and this connection is read-only"
        if spec.available is not None and not spec.available(self.actor):
            return f"tool {spec.name!r} is not available to this token"
        return None

    def sees(self, spec: ToolSpec) -> bool:
        return (
            spec.toolset in self.toolsets
            and self.refusal(spec) is None
            and (spec.listed is None or spec.listed(self))
        )


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

    def in_toolsets(self, toolsets: Iterable[str]) -> list[ToolSpec]:
        """The tools of these toolsets in registry order (what a caller allowed everything would list)."""
        names = expand_toolsets(toolsets)
        return [spec for spec in self.specs.values() if spec.toolset in names]

    def visible_names(self, caller: Caller | None) -> set[str]:
        if caller is None:
            return set()
        return {name for name, spec in self.specs.items() if caller.sees(spec)}
