"""One wording for a bad argument, whichever surface checked it.

MCP checks tool arguments against JSON Schema (jsonschema's keywords), REST checks request bodies with pydantic
(its error types); both describe what is wrong in these sentences, so an agent reads the same message for the
same mistake over either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}

# The bound keywords (JSON Schema's names), one sentence each: `limit` is the bound, `size` the value's length.
_BOUNDS = {
    "maxLength": "{where} is too long ({size} characters; the limit is {limit})",
    "minLength": "{where} must not be empty",
    "minimum": "{where} must be at least {limit}",
    "maximum": "{where} must be at most {limit}",
    "maxItems": "{where} has {size} items; the limit is {limit}",
    "minItems": "{where} needs at least {limit} item(s)",
}
BOUND_KEYWORDS = frozenset(_BOUNDS)


def path(parts: Iterable[Any]) -> str:
    """`items[0].id` from ("items", 0, "id")."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def short(value: Any) -> str:
    """A value as a message quotes it: short, and never a whole document."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def out_of_bounds(keyword: str, where: str, limit: Any, value: Any) -> str:
    size = len(value) if isinstance(value, (str, list, dict)) else None
    return _BOUNDS[keyword].format(where=where, limit=limit, size=size)


def wrong_type(where: str, wanted: Iterable[str], value: Any) -> str:
    names = " or ".join(TYPE_NAMES.get(w, w) for w in wanted)
    return f"{where} must be {names} (got {short(value)})"


def not_one_of(where: str, options: Iterable[Any], value: Any) -> str:
    """The values it may take. A null a schema allows is left out: where null clears a field, the tool says
    so, and where it does not, the core refuses it; REST's check never lists it either."""
    listed = ", ".join(str(o) for o in options if o is not None)
    return f"{where} must be one of: {listed} (got {short(value)})"


def bad_format(where: str, shape: str, value: Any) -> str:
    return f"{where} must be a {shape} (got {short(value)})"


def required(name: str) -> str:
    return f"{name} is required"
