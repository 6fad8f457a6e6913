"""JSON Schema builders for tool arguments and results; enums come from core/vocab.py so every surface agrees.

Every tool definition is sent to every agent at the start of every session, so these stay short: a description
only where the name does not say it all, each constraint once (`format: uuid` is checked, so no maxLength
beside it), and no defaults spelled out in the schema (the description says them when they matter).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from plandesk.core import vocab

Schema = dict[str, Any]


def _described(out: Schema, description: str | None) -> Schema:
    if description:
        out["description"] = description
    return out


def uuid(description: str | None = None) -> Schema:
    return _described({"type": "string", "format": "uuid"}, description)


def text(description: str | None = None, *, max_len: int, min_len: int | None = None) -> Schema:
    out: Schema = {"type": "string", "maxLength": max_len}
    if min_len is not None:
        out["minLength"] = min_len
    return _described(out, description)


def choice(values: Iterable[str], description: str | None = None) -> Schema:
    return _described({"type": "string", "enum": list(values)}, description)


def integer(
    description: str | None = None, *, minimum: int | None = None, maximum: int | None = None
) -> Schema:
    out: Schema = {"type": "integer"}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return _described(out, description)


def boolean(description: str | None = None) -> Schema:
    return _described({"type": "boolean"}, description)


def array(
    items: Schema, description: str | None = None, *, max_items: int, min_items: int | None = None
) -> Schema:
    out: Schema = {"type": "array", "items": items, "maxItems": max_items}
    if min_items is not None:
        out["minItems"] = min_items
    return _described(out, description)


def texts(description: str, item: str, *, max_len: int, max_items: int) -> Schema:
    """A list of one to max_items strings, each described by `item` (recipe names, an argv)."""
    return array(text(item, max_len=max_len), description, max_items=max_items, min_items=1)


def free_object(description: str | None = None) -> Schema:
    """An object whose keys the core checks (e.g. a goal's verification surface)."""
    return _described({"type": "object"}, description)


def nullable(schema: Schema) -> Schema:
    """The same value, or null to clear it."""
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def strict_object(
    properties: dict[str, Schema], required: Iterable[str] = (), description: str | None = None
) -> Schema:
    """An object that refuses keys it does not name: a typo is an error, never silently ignored."""
    required = list(required)
    missing = [r for r in required if r not in properties]
    if missing:
        raise ValueError(f"required names unknown properties: {missing}")
    out: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return _described(out, description)


# ----- argument vocabulary shared by several tool modules; ids need no words: the server's instructions say
# where ids come from, once -----

PROJECT_ID = uuid()
TASK_ID = uuid()
GOAL_ID = uuid()
VERBOSE = boolean("Full bodies instead of previews.")
LIMIT = integer(minimum=1, maximum=vocab.MAX_LIST_LIMIT)
CURSOR = text("next_cursor of the previous page.", max_len=vocab.MAX_REASON)
PAGE = {"limit": LIMIT, "cursor": CURSOR}  # every paged list takes these two
STATUS = choice(vocab.TASK_STATUSES)
KIND = choice(vocab.TASK_KINDS)
PRIORITY = choice(vocab.PRIORITIES)
