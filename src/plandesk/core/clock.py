"""Time and identity: UTC everywhere, ISO-8601 on the wire, UUIDs for ids."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import overload

# Every rule that reads the time (leases, expiry of tokens, shares, sessions, invitations, approvals) calls
# now() below, so swapping this one source moves all of them: tests use it to make a lease run out without
# waiting for it. Nothing else sets it.
_source: Callable[[], datetime] | None = None


def now() -> datetime:
    return _source() if _source is not None else datetime.now(UTC)


@contextlib.contextmanager
def reading_from(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from `source` (an aware UTC datetime each call) inside the block, in this process."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


def new_id() -> str:
    return str(uuid.uuid4())


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; we only ever store UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
