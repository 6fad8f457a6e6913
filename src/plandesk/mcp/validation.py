"""Tool arguments checked against the tool's input schema, with messages an agent can act on."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from plandesk.core import argument_errors as say
from plandesk.core.errors import InvalidArgument


def compile_schema(schema: dict) -> Draft202012Validator:
    """A validator for a tool's arguments. The schemas themselves are held against the JSON Schema
    metaschema by tests/test_mcp_tool_surface.py, for every tool: checking them again at every server start
    cost a tenth of the start's CPU."""
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


def _describe(tool: str, err: ValidationError) -> InvalidArgument:
    field = say.path(err.absolute_path) or None
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
        return InvalidArgument(say.required(name), field=name)
    if kind == "type":
        wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return InvalidArgument(say.wrong_type(where, wanted, value), field=field)
    if kind == "enum":
        return InvalidArgument(say.not_one_of(where, err.validator_value, value), field=field)
    if kind == "format":
        shape = {"uuid": "UUID"}.get(err.validator_value, err.validator_value)
        return InvalidArgument(say.bad_format(where, shape, value), field=field)
    if kind in say.BOUND_KEYWORDS:
        return InvalidArgument(say.out_of_bounds(kind, where, err.validator_value, value), field=field)
    return InvalidArgument(f"{where} is not valid ({err.validator})", field=field)
