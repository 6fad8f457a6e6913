"""JSON Schema builders for tool arguments and results; enums come from core/vocab.py so every surface agrees."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from plandesk.core import vocab

Schema = dict[str, Any]


def uuid(description: str) -> Schema:
    return {"type": "string", "format": "uuid", "maxLength": 36, "description": description}


def text(description: str, *, max_len: int, min_len: int | None = None) -> Schema:
    out: Schema = {"type": "string", "maxLength": max_len, "description": description}
    if min_len is not None:
        out["minLength"] = min_len
    return out


def choice(values: Iterable[str], description: str) -> Schema:
    return {"type": "string", "enum": list(values), "description": description}


def integer(description: str, *, minimum: int | None = None, maximum: int | None = None) -> Schema:
    out: Schema = {"type": "integer", "description": description}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def number(description: str, *, minimum: float | None = None, maximum: float | None = None) -> Schema:
    out: Schema = {"type": "number", "description": description}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def boolean(description: str) -> Schema:
    return {"type": "boolean", "description": description}


def array(items: Schema, description: str, *, max_items: int, min_items: int | None = None) -> Schema:
    out: Schema = {"type": "array", "items": items, "maxItems": max_items, "description": description}
    if min_items is not None:
        out["minItems"] = min_items
    return out


def free_object(description: str) -> Schema:
    """An object whose keys the core checks (e.g. a goal's verification surface)."""
    return {"type": "object", "description": description}


def nullable(schema: Schema) -> Schema:
    """The same value, or null to clear it."""
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    out["description"] = out.get("description", "") + " Null clears it."
    return out


def strict_object(properties: dict[str, Schema], required: Iterable[str] = (), description: str | None = None
                  ) -> Schema:
    """An object that refuses keys it does not name: a typo is an error, never silently ignored."""
    required = list(required)
    missing = [r for r in required if r not in properties]
    if missing:
        raise ValueError(f"required names unknown properties: {missing}")
    out: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    if description:
        out["description"] = description
    return out


# ----- results: the shapes the core hands back; open objects so a new core field never breaks a client -----

def record(properties: dict[str, Schema] | None = None, required: Iterable[str] = ("id",)) -> Schema:
    props: Schema = {"id": {"type": "string"}, **(properties or {})}
    return {"type": "object", "properties": props, "required": list(required)}


def page_of(item: Schema) -> Schema:
    return {"type": "object", "properties": {
        "items": {"type": "array", "items": item},
        "total": {"type": "integer"},
        "next_cursor": {"type": ["string", "null"], "description": "Pass as cursor for the next page."},
    }, "required": ["items"]}


def list_of(key: str, item: Schema) -> Schema:
    return {"type": "object", "properties": {key: {"type": "array", "items": item}}, "required": [key]}


OPEN_OBJECT: Schema = {"type": "object"}
STRING_OR_NULL: Schema = {"type": ["string", "null"]}

# ----- argument vocabulary shared by several tool modules -----

PROJECT_ID = uuid("The project's id (from list_projects).")
TASK_ID = uuid("The task's id.")
GOAL_ID = uuid("The goal's id (from list_goals).")
VERBOSE = boolean("Include full bodies; by default long texts are cut to a preview to keep the answer small.")
LIMIT = integer("Page size.", minimum=1, maximum=vocab.MAX_LIST_LIMIT)
CURSOR = text("next_cursor from the previous page.", max_len=2000)
VERSION = integer("The version you read; if someone changed it since, the call fails with a conflict "
                  "instead of overwriting their edit.", minimum=1)
TAGS = array(text("A tag name.", max_len=63, min_len=1), "Tag names; replaces the whole set, "
             "creating missing tags.", max_items=50)
STATUS = choice(vocab.TASK_STATUSES, "Board column.")
KIND = choice(vocab.TASK_KINDS, "build (work to do) or decision (a question to settle).")
PRIORITY = choice(vocab.PRIORITIES, "Priority.")
