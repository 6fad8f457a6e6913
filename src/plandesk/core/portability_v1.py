"""Plan Desk's published export format 1 (`plandesk-export-v1`), converted to format 2 before import."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any, NoReturn

from plandesk.core import vocab
from plandesk.core.clock import new_id, now
from plandesk.core.errors import InvalidArgument
from plandesk.core.html_markdown import html_to_markdown

# Plan Desk wrote free-text edge labels and fell back to depends_on; we do the same for the ones we lack.
FALLBACK_LABEL = "depends_on"


def convert(data: dict) -> dict:
    """A format-2 document with new ids; v1 problems are named by their v1 paths (tasks[3].status)."""
    stamp = _iso(now())
    project: Any = data.get("project")
    if not isinstance(project, dict):
        _bad("project", "required, an object")
    out: dict[str, Any] = {
        "format": "plandesk-export",
        "version": 2,
        "project": {
            "id": new_id(),
            "name": _text("project.name", project.get("name"), required=True),
            "description": _text("project.description", project.get("description")) or "",
            "canvas_layout": _layout(project.get("canvas_layout")),
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        },
        "tasks": [],
        "edges": [],
        "documents": [],
        "agent_runs": [],
        "agent_run_events": [],
    }
    tasks = _ids(data, "tasks")
    docs = _ids(data, "documents")
    for i, t in enumerate(_list(data, "tasks")):
        path = f"tasks[{i}]"
        status = t.get("status") or "todo"
        if status not in vocab.TASK_STATUSES:
            _bad(f"{path}.status", f"must be one of {', '.join(vocab.TASK_STATUSES)} (got {status!r})")
        out["tasks"].append(
            {
                "id": tasks[_key(t.get("id"))],
                "label": _text(f"{path}.label", t.get("label"), required=True),
                "status": status,
                "kind": "build",
                "description": _text(f"{path}.description", t.get("description")) or "",
                "x": _number(f"{path}.x", t.get("x")),
                "y": _number(f"{path}.y", t.get("y")),
                "assignee": _text(f"{path}.assignee", t.get("assignee")),
                "due_date": _due(f"{path}.due_date", t.get("due_date")),
                "commit_refs": [],
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    for i, e in enumerate(_list(data, "edges")):
        path = f"edges[{i}]"
        ends = []
        for end in ("from_task_id", "to_task_id"):
            if _key(e.get(end)) not in tasks:
                _bad(f"{path}.{end}", f"no task with id {e.get(end)!r} in this file")
            ends.append(tasks[_key(e.get(end))])
        label = e.get("label")
        out["edges"].append(
            {
                "id": new_id(),
                "from_type": "task",
                "from_id": ends[0],
                "to_type": "task",
                "to_id": ends[1],
                "label": label if label in vocab.EDGE_LABELS else FALLBACK_LABEL,
                "style": _enum(f"{path}.style", e.get("style"), vocab.EDGE_STYLES),
                "arrow_direction": _enum(
                    f"{path}.arrow_direction", e.get("arrow_direction"), vocab.ARROW_DIRECTIONS
                ),
                "created_at": stamp,
            }
        )
    for i, d in enumerate(_list(data, "documents")):
        path = f"documents[{i}]"
        parent = d.get("parent_id")
        if parent is not None and _key(parent) not in docs:
            _bad(f"{path}.parent_id", f"no document with id {parent!r} in this file")
        body = _text(f"{path}.body", d.get("body"), limit=vocab.MAX_BODY) or ""
        out["documents"].append(
            {
                "id": docs[_key(d.get("id"))],
                "title": _text(f"{path}.title", d.get("title"), required=True),
                "body": html_to_markdown(body),
                "status_line": _text(f"{path}.status_line", d.get("status_line")),
                "parent_id": docs[_key(parent)] if parent is not None else None,
                "folder_id": None,
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        linked = d.get("linked_task_id")
        if linked is not None:
            if _key(linked) not in tasks:
                _bad(f"{path}.linked_task_id", f"no task with id {linked!r} in this file")
            out["edges"].append(
                {
                    "id": new_id(),
                    "from_type": "document",
                    "from_id": docs[_key(d.get("id"))],
                    "to_type": "task",
                    "to_id": tasks[_key(linked)],
                    "label": "documents",
                    "style": None,
                    "arrow_direction": None,
                    "created_at": stamp,
                }
            )
    for i, r in enumerate(_list(data, "agent_runs")):
        path = f"agent_runs[{i}]"
        started = _time(f"{path}.started_at", r.get("started_at")) or stamp
        completed = _time(f"{path}.completed_at", r.get("completed_at"))
        run_id = new_id()
        out["agent_runs"].append(
            {
                "id": run_id,
                "label": _text(f"{path}.label", r.get("label"), required=True),
                "status": "completed" if completed else "running",
                "started_at": started,
                "completed_at": completed,
            }
        )
        for j, ev in enumerate(_list(r, "events", path=f"{path}.events")):
            epath = f"{path}.events[{j}]"
            out["agent_run_events"].append(
                {
                    "id": new_id(),
                    "run_id": run_id,
                    "kind": "progress",
                    "message": _text(
                        f"{epath}.message", ev.get("message"), required=True, limit=vocab.MAX_BODY
                    ),
                    "created_at": _time(f"{epath}.created_at", ev.get("created_at")) or started,
                }
            )
    _sort_ids(out)
    return out


def _list(data: dict, key: str, *, path: str | None = None) -> list[dict]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        _bad(path or key, "must be a list")
    for i, row in enumerate(value):
        if not isinstance(row, dict):
            _bad(f"{path or key}[{i}]", "must be an object")
    return value


def _ids(data: dict, key: str) -> dict[str, str]:
    """v1 id -> new UUID, refusing rows without an id and ids used twice."""
    out: dict[str, str] = {}
    for i, row in enumerate(_list(data, key)):
        raw = row.get("id")
        if not isinstance(raw, (str, int)) or isinstance(raw, bool) or str(raw).strip() == "":
            _bad(f"{key}[{i}].id", "required, a string")
        if _key(raw) in out:
            _bad(f"{key}[{i}].id", f"duplicate id {raw!r}")
        out[_key(raw)] = new_id()
    return out


def _key(raw: Any) -> str:
    return str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else repr(raw)


def _sort_ids(doc: dict) -> None:
    """Give each list ids that sort in file order, so an export lists rows the way the v1 file did."""
    mapping: dict[str, str] = {}
    for key in ("tasks", "edges", "documents", "agent_runs", "agent_run_events"):
        old = [row["id"] for row in doc[key]]
        mapping.update(zip(old, sorted(new_id() for _ in old)))
    for key in ("tasks", "edges", "documents", "agent_runs", "agent_run_events"):
        for row in doc[key]:
            for col in ("id", "from_id", "to_id", "parent_id", "run_id"):
                if row.get(col) in mapping:
                    row[col] = mapping[row[col]]


def _text(path: str, value: Any, *, required: bool = False, limit: int = vocab.MAX_LABEL) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip() and required):
        if required:
            _bad(path, "required, a non-empty string")
        return None
    if not isinstance(value, str):
        _bad(path, "must be a string")
    if "\x00" in value:
        _bad(path, "must not contain NUL characters")
    limit = vocab.MAX_BODY if path.endswith((".description", ".body", ".message")) else limit
    if len(value) > limit:
        _bad(path, f"too long ({len(value)} characters; the limit is {limit})")
    return value.strip() if required else value


def _number(path: str, value: Any) -> float:
    if value is None:
        return 0.0
    try:
        if type(value) in (int, float) and math.isfinite(value):
            return float(value)
    except OverflowError:  # an integer too large for a float
        pass
    _bad(path, "must be a finite number")
    return 0.0


def _enum(path: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        _bad(path, f"must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _layout(value: Any) -> dict | None:
    """Plan Desk stored the canvas viewport as a JSON string; we keep it as an object."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            _bad("project.canvas_layout", "is a string but not valid JSON")
    if not isinstance(value, dict):
        _bad("project.canvas_layout", "must be an object (or a JSON string of one)")
    return value


def _moment(path: str, value: Any) -> datetime | None:
    """Plan Desk wrote epoch milliseconds; later files and hand-written ones use ISO-8601."""
    if value is None or value == "":
        return None
    if type(value) in (int, float):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):  # also NaN and infinities
            _bad(path, f"epoch milliseconds out of range ({str(value)[:40]})")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    _bad(path, f"must be epoch milliseconds or an ISO-8601 date (got {str(value)[:40]!r})")
    return None


def _time(path: str, value: Any) -> str | None:
    moment = _moment(path, value)
    return _iso(moment) if moment else None


def _due(path: str, value: Any) -> str | None:
    moment = _moment(path, value)
    return moment.date().isoformat() if moment else None


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _bad(path: str, message: str) -> NoReturn:
    raise InvalidArgument(f"{path}: {message}", field=path)
