"""Lists with a limit, an opaque cursor and a total, the same for every collection."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TypedDict

from sqlalchemy import Select, Table, and_, func, or_, select

from plandesk.core.clock import iso
from plandesk.core.errors import InvalidArgument
from plandesk.core.vocab import DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, TOTAL_COUNT_CAP


class PageArgs(TypedDict, total=False):
    """The page a list is asked for, as every list function takes it: `list_x(..., **page)`; no limit is
    DEFAULT_LIST_LIMIT, no cursor the first page."""

    limit: int | None
    cursor: str | None


class Page(TypedDict):
    items: list
    total: int
    next_cursor: str | None


def _decode(cursor: str) -> list:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError
        return value
    except (ValueError, TypeError, UnicodeDecodeError):  # base64, UTF-8 and JSON errors are all ValueErrors
        raise InvalidArgument("cursor is not one this server handed out", field="cursor") from None


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIST_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidArgument(f"limit must be an integer between 1 and {MAX_LIST_LIMIT}", field="limit")
    return limit


def capped_count(conn, query: Select, *, cap: int = TOTAL_COUNT_CAP) -> int:
    """How many rows the query matches, counted up to TOTAL_COUNT_CAP: a list page never scans a whole table
    just to print its total; beyond the cap the total reads as the cap (a lower bound)."""
    return conn.execute(select(func.count()).select_from(query.limit(cap).subquery())).scalar_one()


def page(
    conn,
    query: Select,
    table: Table,
    to_dict: Callable,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    order: str = "created_at",
) -> Page:
    """Keyset pagination over (order column, id): stable under inserts, cheap at any depth."""
    limit = check_limit(limit)
    total = capped_count(conn, query)
    col, idc = table.c[order], table.c.id
    if cursor:
        last_value, last_id = _decode(cursor)
        if not isinstance(last_value, str) or not isinstance(last_id, str):
            raise InvalidArgument("cursor is not one this server handed out", field="cursor")
        if order in ("created_at", "updated_at", "started_at"):
            from datetime import datetime

            try:
                last_value = datetime.fromisoformat(last_value)
            except (TypeError, ValueError):
                raise InvalidArgument("cursor is not one this server handed out", field="cursor") from None
        query = query.where(or_(col > last_value, and_(col == last_value, idc > last_id)))
    rows = conn.execute(query.order_by(col, idc).limit(limit + 1)).all()
    items = [to_dict(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode([getattr(last, order), last.id])
    return {"items": items, "total": total, "next_cursor": next_cursor}


PREVIEW_CHARS = 500  # a task's description or a document's or note's body, as a list shows it unless verbose


def titled_body(r, *, verbose: bool, **more: object) -> dict:
    """A row with a title and a body (a note, a document) as answers show it, with `more` after the body; the
    body cut to a preview unless verbose."""
    out = {
        "id": r.id,
        "project_id": r.project_id,
        "title": r.title,
        "body": r.body or "",
        **more,
        "version": r.version,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }
    return cut_to_preview(out, "body", verbose=verbose)


def cut_to_preview(item: dict, key: str, *, verbose: bool, mark: str = "") -> dict:
    """Unless verbose, cut item[key] to PREVIEW_CHARS (then `mark`) and say so in `<key>_truncated`."""
    text = item[key]
    if not verbose and len(text) > PREVIEW_CHARS:
        item[key] = text[:PREVIEW_CHARS] + mark
        item[f"{key}_truncated"] = True
    return item
