"""Tool schemas generated from the core models (core/models.py), so MCP, REST and the client describe one shape:
the arguments of the tools that create or change a thing, from the request models REST reads its bodies with,
and the output schemas of the tools a client branches on (claims, the next task).

Every tool definition is sent to every agent each session, so these are short. Arguments: the model's types,
limits and descriptions, without pydantic's titles and defaults. Output schemas: the fields a client branches
on, their types from the model, no titles or descriptions, and open (a new core field never breaks a client).
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

from plandesk.core import models
from plandesk.mcp.schemas import Schema, nullable

_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _type(tp: Any, nested: dict[str, Schema], name: str) -> Schema:
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        out = _type(inner, nested, name)
        if list(out) == ["type"] and isinstance(out["type"], str):
            return {"type": [out["type"], "null"]}
        return {"anyOf": [out, {"type": "null"}]}
    if origin is Literal:
        return {"type": "string", "enum": list(args)}
    if origin is list:
        return {"type": "array"}
    if origin is dict or (isinstance(tp, type) and issubclass(tp, BaseModel)):
        return nested.get(name, {"type": "object"})
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    raise ValueError(f"{name}: no compact schema for {tp!r}")


def record(
    model: type[BaseModel], names: tuple[str, ...], *, required: tuple[str, ...], **nested: Schema
) -> Schema:
    """The named fields of `model` as a compact, open JSON Schema; `nested` gives the schema of a field that
    is itself a model (else it is an object)."""
    fields = model.model_fields
    unknown = [n for n in (*names, *required) if n not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {unknown}")
    props = {n: _type(fields[n].annotation, nested, n) for n in names}
    return {"type": "object", "properties": props, "required": list(required)}


def arguments(model: type[models.Input], *, leave_out: tuple[str, ...] = ()) -> dict[str, Schema]:
    """A request model's fields as tool arguments: type, limits and words from the model, compact (no titles, no
    defaults), and null accepted only where the model says it clears the field (its CLEARABLE)."""
    schema = model.model_json_schema()
    props = schema["properties"]
    unknown = set(leave_out) - set(props)
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    defs = schema.get("$defs", {})
    return {
        n: (nullable if n in model.CLEARABLE else _same)(_compact(p, defs))
        for n, p in props.items()
        if n not in leave_out
    }


def argument_object(model: type[models.Input]) -> Schema:
    """A request model as one object argument (e.g. a goal's evidence): strict, its docstring the description."""
    schema = model.model_json_schema()
    return _compact(schema, schema.get("$defs", {}))


def _same(schema: Schema) -> Schema:
    return schema


def _compact(schema: Schema, defs: dict[str, Schema]) -> Schema:
    if "$ref" in schema:
        target = _compact(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
        return {**target, **{k: v for k, v in schema.items() if k not in ("$ref", "title", "default")}}
    out = {k: v for k, v in schema.items() if k not in ("title", "default", "anyOf", "$defs")}
    if "properties" in schema:
        out["properties"] = {n: _compact(p, defs) for n, p in schema["properties"].items()}
    if "items" in schema:
        out["items"] = _compact(schema["items"], defs)
    # An optional field is `X | None` in the model; whether null is accepted is CLEARABLE's to say.
    options = [_compact(o, defs) for o in schema.get("anyOf", ()) if o != {"type": "null"}]
    if len(options) == 1:
        out = {**options[0], **out}
    elif options:
        out["anyOf"] = options
    return out


TASK = record(models.Task, ("id", "label", "status", "version"), required=("id", "status", "version"))

# A claim's answer, granted or not; a refused claim of one task carries task_id instead of task (MCP returns
# the core's refusal as the result, REST as its 409 body), so only `claimed` is always there.
CLAIM = record(
    models.Claim,
    ("claimed", "task", "lease_expires_at", "reason", "message"),
    required=("claimed",),
    task=TASK,
)

NEXT_TASK = record(
    models.NextTask,
    ("next_task", "blocked", "ready_count", "reason"),
    required=("next_task",),
    next_task=TASK,
)
