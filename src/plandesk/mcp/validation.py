"""Tool arguments checked against the tool's input schema, with messages an agent can act on."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from plandesk.core.errors import InvalidArgument

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def compile_schema(schema: dict) -> Draft202012Validator:
    """Check the schema itself once, at registration, so a malformed tool fails at startup, not per call."""
    Draft202012Validator.check_schema(schema)
    # Formats are checked: a schema says `format: uuid` once instead of spelling the shape out.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def check_arguments(tool: str, validator: Draft202012Validator, arguments: Any) -> dict:
    """The arguments as a dict, or InvalidArgument naming the first bad field and what it must be."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise InvalidArgument(f"{tool} takes an object of named arguments")
    errors = sorted(validator.iter_errors(arguments), key=_error_order)
    if errors:
        raise _describe(tool, errors[0])
    return dict(arguments)


def _error_order(err: ValidationError) -> tuple:
    # Unknown and missing arguments first: they explain everything else that went wrong.
    rank = {"additionalProperties": 0, "required": 1}.get(err.validator, 2)
    return (len(err.absolute_path), rank, [str(p) for p in err.absolute_path])


def _path(err: ValidationError) -> str:
    out = ""
    for part in err.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(tool: str, err: ValidationError) -> InvalidArgument:
    field = _path(err) or None
    where = field or "the arguments"
    kind = err.validator
    value = err.instance
    if kind == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        extra = min(set(value) - set(allowed))
        name = f"{field}.{extra}" if field else extra
        takes = (
            f"; {tool} takes: {', '.join(allowed)}" if not field else f"; allowed here: {', '.join(allowed)}"
        )
        return InvalidArgument(f"unknown argument {name!r}{takes}", field=name)
    if kind == "required":
        missing = next(r for r in err.validator_value if r not in value)
        name = f"{field}.{missing}" if field else missing
        return InvalidArgument(f"{name} is required", field=name)
    if kind == "type":
        wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        names = " or ".join(_TYPE_NAMES.get(w, w) for w in wanted)
        return InvalidArgument(f"{where} must be {names} (got {_short(value)})", field=field)
    if kind == "enum":
        options = ", ".join("null" if o is None else str(o) for o in err.validator_value)
        return InvalidArgument(f"{where} must be one of: {options} (got {_short(value)})", field=field)
    if kind == "format":
        shape = {"uuid": "UUID"}.get(err.validator_value, err.validator_value)
        return InvalidArgument(f"{where} must be a {shape} (got {_short(value)})", field=field)
    if kind in _BOUNDS:
        size = len(value) if isinstance(value, (str, list, dict)) else None
        return InvalidArgument(
            _BOUNDS[kind].format(where=where, limit=err.validator_value, size=size), field=field
        )
    return InvalidArgument(f"{where} is not valid ({err.validator})", field=field)


# The bound keywords, one sentence each: `limit` is the schema's bound, `size` the length of the value.
_BOUNDS = {
    "maxLength": "{where} is too long ({size} characters; the limit is {limit})",
    "minLength": "{where} must not be empty",
    "minimum": "{where} must be at least {limit}",
    "maximum": "{where} must be at most {limit}",
    "maxItems": "{where} has {size} items; the limit is {limit}",
    "minItems": "{where} needs at least {limit} item(s)",
}


def _short(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
