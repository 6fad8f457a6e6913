"""The tool registry: how a module declares MCP tools, and which tools a given caller may see and call."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from plandesk.core import models
from plandesk.core.actors import Actor
from plandesk.core.models import Input
from plandesk.core.vocab import PLANNING_TOOLSETS, TOOLSETS
from plandesk.mcp.schemas import PAGE, PROJECT_ID, Schema, strict_object, uuid
from plandesk.mcp.shapes import arguments
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
    # The core audits a write with the caller's open run itself (claim_next_task, for a whole batch in one
    # read), so the dispatcher does not look it up first.
    run_in_core: bool = False
    validator: Draft202012Validator = field(kw_only=True, compare=False, repr=False)


class ToolGroup:
    """The tools one `plandesk.mcp.tools_<name>` module contributes, exposed as its module attribute TOOLS;
    `toolset` is where its tools belong unless one says otherwise."""

    def __init__(self, toolset: str = "planning") -> None:
        self.toolset = toolset
        self.specs: list[ToolSpec] = []

    def tool(
        self,
        name: str,
        *,
        description: str,
        params: dict[str, Schema],
        output: Schema | None = None,
        required: Iterable[str] = (),
        idempotent: bool | None = None,
        **flags: Any,
    ) -> Callable[[Handler], Handler]:
        """Declare a tool; `flags` are ToolSpec's (toolset, read_only, destructive, available, core_checked,
        listed, run_in_core), and idempotent defaults to read_only."""
        toolset = flags.setdefault("toolset", self.toolset)
        if toolset not in TOOLSETS or toolset == "all":
            raise ValueError(f"tool {name}: toolset must be one of {TOOLSETS[:-1]}")
        if output is not None and output.get("type") != "object":
            raise ValueError(f"tool {name}: the output schema must describe an object")
        schema = strict_object(params, required)
        idempotent = flags.get("read_only", False) if idempotent is None else idempotent

        def register(fn: Handler) -> Handler:
            spec = ToolSpec(
                name=name,
                description=" ".join(description.split()),
                handler=fn,
                input_schema=schema,
                output_schema=output,
                idempotent=idempotent,
                validator=compile_schema(schema),
                **flags,
            )
            self.specs.append(spec)
            return fn

        return register

    def calls(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        params: dict[str, Schema],
        renamed: Mapping[str, str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        answer_key: str | None = None,
        fields: str | None = None,
        **options: Any,
    ) -> None:
        """A tool that is the core function `fn` and nothing more (see `core_call`); `options` are tool()'s."""
        handler = core_call(
            fn, params, renamed=renamed, defaults=defaults, answer_key=answer_key, fields=fields
        )
        handler.__name__ = handler.__qualname__ = name
        self.tool(name, params=params, **options)(handler)

    def read_by(
        self,
        name: str,
        fn: Callable[..., Any],
        key: str,
        key_schema: Schema,
        *,
        description: str,
        params: dict[str, Schema] | None = None,
        **options: Any,
    ) -> None:
        """A read-only tool keyed by one required id (`key`): one record, or one project's records."""
        params = {key: key_schema, **(params or {})}
        self.calls(
            name, fn, read_only=True, description=description, params=params, required=[key], **options
        )

    def project_list(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        description: str,
        filters: dict[str, Schema] | None = None,
        paged: bool = False,
        **options: Any,
    ) -> None:
        """A read-only tool that lists one project's records: project_id, the filters, and limit and cursor when
        the core pages the list; `options` are calls()'s (renamed, defaults, answer_key) and tool()'s."""
        params = {**(filters or {}), **(PAGE if paged else {})}
        self.read_by(name, fn, "project_id", PROJECT_ID, description=description, params=params, **options)

    def writes_record(
        self,
        name: str,
        fn: Callable[..., Any],
        model: type[Input],
        *,
        ids: dict[str, Schema],
        leave_out: tuple[str, ...] = (),
        **options: Any,
    ) -> None:
        """A tool that writes one record: `ids` (the project it goes in, or the record itself) pass by name, the
        other arguments are the fields of the core's request model (the one REST reads the body with) and go
        together to fn's `data`. Required: the ids, what the model requires, and the version the caller read
        wherever the record has one (MCP insists on it, so an agent never overwrites a person's edit)."""
        versioned = ["version"] if "version" in model.model_fields and "version" not in leave_out else []
        self.calls(
            name,
            fn,
            params={**ids, **arguments(model, leave_out=leave_out)},
            required=[*ids, *model.model_json_schema().get("required", ()), *versioned],
            fields="data",
            **options,
        )

    def create_and_update(
        self,
        create: Callable[..., Any],
        update: Callable[..., Any],
        create_description: str,
        update_description: str,
        *,
        leave_out: tuple[str, ...] = (),
        **options: Any,
    ) -> None:
        """create_<noun> in a project and update_<noun> by <noun>_id (see writes_record): the tools are named
        after the core functions (create_note, update_note), which take the models <Noun>In and <Noun>Patch."""
        noun = create.__name__.removeprefix("create_")
        if update.__name__ != f"update_{noun}":
            raise ValueError(f"{create.__name__} goes with update_{noun}, not {update.__name__}")
        new: type[Input] = getattr(models, f"{noun.title()}In")
        self.writes_record(
            f"create_{noun}",
            create,
            new,
            ids={"project_id": PROJECT_ID},
            leave_out=leave_out,
            description=create_description,
            **options,
        )
        self.updates_record(update, update_description, leave_out=leave_out, **options)

    def updates_record(
        self,
        update: Callable[..., Any],
        description: str,
        *,
        leave_out: tuple[str, ...] = (),
        **options: Any,
    ) -> None:
        """update_<noun> by <noun>_id (see writes_record), idempotent: the tool is named after the core function
        (update_goal), which takes the model <Noun>Patch."""
        noun = update.__name__.removeprefix("update_")
        if noun == update.__name__:
            raise ValueError(f"{update.__name__} is not named update_<noun>")
        patch: type[Input] = getattr(models, f"{noun.title()}Patch")
        self.writes_record(
            update.__name__,
            update,
            patch,
            ids={f"{noun}_id": uuid()},
            leave_out=leave_out,
            idempotent=True,
            description=description,
            **options,
        )

    def fetch_one(
        self,
        name: str,
        id_field: str,
        id_schema: Schema,
        fetch: Callable[[Any, Actor, str], Any],
        description: str,
        **options: Any,
    ) -> None:
        """A read-only tool that returns one record by its id: `fetch(db, actor, <id_field>)` in core."""
        self.read_by(name, fetch, id_field, id_schema, description=description, **options)


def _core_parameters(fn: Callable[..., Any]) -> tuple[list[str], list[str]]:
    """The names a core function takes after db and actor, and those of them without a default. A
    `**paging: Unpack[PageArgs]` stands for the TypedDict's keys, none of them required."""
    names, required = [], []
    for p in list(inspect.signature(fn).parameters.values())[2:]:
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            (unpacked,) = typing.get_args(typing.get_type_hints(fn)[p.name])
            names += list(unpacked.__annotations__)
            continue
        names.append(p.name)
        if p.default is inspect.Parameter.empty:
            required.append(p.name)
    return names, required


def core_call(
    fn: Callable[..., Any],
    params: Iterable[str],
    *,
    renamed: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    answer_key: str | None = None,
    fields: str | None = None,
) -> Handler:
    """The handler of a tool that only calls `fn(db, actor, ...)`: each argument passes by name (`renamed` maps
    a tool's name to the core's where they differ), except that with `fields` (e.g. "data") the arguments fn
    does not name go together, as the record's fields, to that parameter. An absent argument leaves the core's
    default, or the tool's own from `defaults`; a core parameter without a default gets None and the core says
    what is missing. `answer_key` wraps a bare list the core returns in an object (a tool result is one).

    The names are checked here, once: a tool argument the core function does not take fails at startup."""
    renamed = dict(renamed or {})
    core_params, needed = _core_parameters(fn)
    if fields is not None and fields not in core_params:
        raise ValueError(f"{fn.__qualname__} has no parameter {fields!r} for the record's fields")
    to_core = {p: renamed.get(p, p) for p in params}
    unknown = [p for p, c in to_core.items() if c not in core_params and fields is None]
    needed = [c for c in needed if c != fields]
    not_taken = [c for c in needed if c not in to_core.values()]
    stray = set(defaults or ()) - set(to_core)
    if unknown or not_taken or stray:
        raise ValueError(
            f"{fn.__qualname__}: the tool's arguments {unknown} are not its parameters, its parameters "
            f"{not_taken} are not the tool's arguments, defaults {sorted(stray)} name no argument"
        )
    fixed = {c: None for c in needed} | {to_core[p]: v for p, v in (defaults or {}).items()}

    def handler(call: ToolCall, a: dict) -> Any:
        kwargs = dict(fixed)
        record = {}
        for p, value in a.items():
            if to_core[p] in core_params and to_core[p] != fields:
                kwargs[to_core[p]] = value
            else:
                record[p] = value
        if fields is not None:
            kwargs[fields] = record
        result = fn(call.db, call.actor, **kwargs)
        return {answer_key: result} if answer_key else result

    return handler


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
