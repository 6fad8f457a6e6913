"""Validation of incoming values: one place, one message style, the field always named."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, Literal, overload

from plandesk.core import argument_errors as say
from plandesk.core.errors import InvalidArgument

_MISSING = object()


def text(
    field: str, value: Any, *, max_len: int, allow_empty: bool = True, strip: bool = False
) -> str | None:
    """A string the caller may leave out (None); `allow_empty: False` refuses a blank one."""
    if value is None:
        return None
    return _checked_text(field, value, max_len=max_len, allow_empty=allow_empty, strip=strip)


def required_text(field: str, value: Any, *, max_len: int, strip: bool = False) -> str:
    """A string the caller must give, and not blank."""
    if value is None:
        raise InvalidArgument(f"{field} is required", field=field)
    return _checked_text(field, value, max_len=max_len, allow_empty=False, strip=strip)


def _checked_text(field: str, value: Any, *, max_len: int, allow_empty: bool, strip: bool) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a string", field=field)
    if strip:
        value = value.strip()
    if "\x00" in value:
        raise InvalidArgument(f"{field} must not contain NUL characters", field=field)
    if not allow_empty and not value.strip():
        raise InvalidArgument(f"{field} must not be empty", field=field)
    if len(value) > max_len:
        raise InvalidArgument(say.out_of_bounds("maxLength", field, max_len, value), field=field)
    return value


@overload
def choice(field: str, value: Any, allowed: Iterable[str], *, required: Literal[True]) -> str: ...
@overload
def choice(field: str, value: Any, allowed: Iterable[str], *, required: bool = False) -> str | None: ...
def choice(field: str, value: Any, allowed: Iterable[str], *, required: bool = False) -> str | None:
    allowed = tuple(allowed)
    if value is None:
        if required:
            raise InvalidArgument(f"{field} is required (one of: {', '.join(allowed)})", field=field)
        return None
    if value not in allowed:
        raise InvalidArgument(f"{field} must be one of: {', '.join(allowed)} (got {value!r})", field=field)
    return value


@overload
def ident(field: str, value: Any, *, required: Literal[True] = True) -> str: ...
@overload
def ident(field: str, value: Any, *, required: bool) -> str | None: ...
def ident(field: str, value: Any, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise InvalidArgument(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a UUID string", field=field)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument(f"{field} must be a UUID (got {value[:60]!r})", field=field) from None


MAX_WHOLE = 2**63 - 1


def number(
    field: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"{field} must be a number", field=field)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgument(f"{field} must be a finite number", field=field)
    if isinstance(value, int) and abs(value) > MAX_WHOLE:  # beyond what any column (or a float) can hold
        raise InvalidArgument(f"{field} is too large", field=field)
    if integer and isinstance(value, float) and not value.is_integer():
        raise InvalidArgument(f"{field} must be an integer", field=field)
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{field} must be at least {minimum}", field=field)
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{field} must be at most {maximum}", field=field)
    return int(value) if integer else float(value)


def iso_date(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a date like 2026-12-31", field=field)
    try:
        # A date, or a whole ISO-8601 timestamp whose date is kept; anything after the date must parse too.
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        raise InvalidArgument(
            f"{field} must be a date like 2026-12-31 (got {value[:40]!r})", field=field
        ) from None


def string_list(
    field: str,
    value: Any,
    *,
    max_items: int,
    max_len: int,
    pattern: re.Pattern | None = None,
    lower: bool = False,
) -> list[str] | None:
    if value is None:
        return None

    def one(item: Any) -> str:
        if not isinstance(item, str) or not item.strip():
            raise InvalidArgument(f"{field} must hold non-empty strings", field=field)
        item = item.strip().lower() if lower else item.strip()
        if len(item) > max_len:
            raise InvalidArgument(f"{field} items are limited to {max_len} characters", field=field)
        if pattern is not None and not pattern.fullmatch(item):
            raise InvalidArgument(f"{field} item {item[:60]!r} is not valid", field=field)
        return item

    return unique_list(
        field,
        value,
        max_items=max_items,
        item=one,
        not_a_list=f"{field} must be a list of strings",
        too_many=f"{field} has {{count}} items; the limit is {{limit}}",
    )


def unique_list(
    field: str,
    value: Any,
    *,
    max_items: int,
    item: Callable[[Any], str],
    not_a_list: str,
    too_many: str,
) -> list[str]:
    """A list argument: refused unless it is a list of at most max_items; each entry checked and normalised
    by `item`; a repeat dropped, the first kept in its place. `too_many` may name {count} and {limit}."""
    if not isinstance(value, list):
        raise InvalidArgument(not_a_list, field=field)
    if len(value) > max_items:
        raise InvalidArgument(too_many.format(count=len(value), limit=max_items), field=field)
    out: list[str] = []
    for entry in value:
        checked = item(entry)
        if checked not in out:
            out.append(checked)
    return out


def flag(field: str, value: Any) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidArgument(f"{field} must be true or false", field=field)
    return value


def expect_version(field: str, value: Any) -> int | None:
    return number(field, value, minimum=1, integer=True)  # type: ignore[return-value]


def require_version(resource: str, expected: int | None, current: int) -> None:
    """Optimistic concurrency: a stale `version` is refused, so nobody silently overwrites a newer edit."""
    if expected is not None and expected != current:
        from plandesk.core.errors import Conflict

        raise Conflict(
            f"{resource} was changed since version {expected} (now {current}); re-read it and "
            "apply your change again",
            field="version",
            current_version=current,
        )


def reject_unknown(payload: dict, allowed: Iterable[str]) -> None:
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise InvalidArgument(f"unknown field {unknown[0]!r}", field=unknown[0])
