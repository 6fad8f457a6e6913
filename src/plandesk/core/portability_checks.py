"""Validation of a format-2 export: values by column type, references between rows, the graph's rules."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, Integer, String

from plandesk.core import vocab
from plandesk.core.errors import InvalidArgument

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Problem(ValueError):
    """A value's fault, raised without its path; clean_rows adds where it sits."""


Checker = Callable[[Any], Any]


def clean_rows(key: str, raw: list, columns: list) -> list[dict]:
    """Every row of one part checked column by column; each checker is built once per column."""
    checkers = [(c.name, checker_for(c)) for c in columns]
    names = {c.name for c in columns}
    out = []
    for i, row in enumerate(raw):
        path = f"{key}[{i}]" if key != "project" else key
        if not isinstance(row, dict):
            raise InvalidArgument(f"{path}: must be an object", field=path)
        if not row.keys() <= names:
            unknown = min(set(row) - names)
            raise InvalidArgument(f"{path}.{unknown}: unknown field", field=f"{path}.{unknown}")
        clean = {}
        for name, check in checkers:
            try:
                clean[name] = check(row.get(name))
            except Problem as exc:
                raise InvalidArgument(f"{path}.{name}: {exc}", field=f"{path}.{name}") from None
        out.append(clean)
    return out


def checker_for(col) -> Checker:
    """The function that accepts (and normalises) a value for this column, from its schema type."""
    kind = col.type
    check: Callable[[Any], Any]
    if isinstance(kind, DateTime):
        check = _time
    elif isinstance(kind, Boolean):
        check = _flag
    elif isinstance(kind, Integer):
        check = _integer
    elif isinstance(kind, Float):
        check = _number
    elif isinstance(kind, String):
        is_id = kind.length == 36 and (col.name == "id" or col.name.endswith("_id"))  # the ID() columns
        check = _uuid if is_id else _string(kind.length or vocab.MAX_BODY)
    else:  # JSON: any JSON value
        check = _any
    if col.default is not None:
        default = col.default
        return lambda v: (
            (default.arg(None) if default.is_callable else default.arg) if v is None else check(v)
        )
    if not col.nullable and not (col.primary_key and col.autoincrement is True):
        return lambda v: _required() if v is None else check(v)
    return lambda v: None if v is None else check(v)


def _required():
    raise Problem("required")


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
        except ValueError:
            pass
    raise Problem("must be an ISO-8601 time like 2026-11-21T10:00:00Z")


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise Problem("must be true or false")
    return value


def _integer(value: Any) -> int:
    if type(value) is not int or not 0 <= value < 2**31:  # the INTEGER columns hold versions
        raise Problem("must be a whole number from 0 to 2147483647")
    return value


def _number(value: Any) -> float:
    try:
        if type(value) in (int, float) and math.isfinite(value):
            return float(value)
    except OverflowError:  # an integer too large for a float
        pass
    raise Problem("must be a finite number")


def _any(value: Any) -> Any:
    return value


def _uuid(value: Any) -> str:
    if type(value) is not str or not UUID.match(value.lower()):
        raise Problem(f"must be a UUID (got {str(value)[:60]!r})")
    return value.lower()


def _string(limit: int) -> Checker:
    def check(value: Any) -> str:
        if type(value) is not str:
            raise Problem("must be a string")
        if "\x00" in value:
            raise Problem("must not contain NUL characters")
        if len(value) > limit:
            raise Problem(f"too long ({len(value)} characters; the limit is {limit})")
        return value

    return check


def check_rows(parts: tuple, type_part: dict[str, str], project: dict, rows: dict[str, list[dict]]) -> None:
    """References, uniqueness and the rules of the graph, each refusal naming the row at fault."""
    seen: dict[str, str] = {project["id"]: "project"}
    ids: dict[str, set[str]] = {}
    for part in parts:
        ids[part.key] = set()
        for i, row in enumerate(rows[part.key]):
            if "id" in row and "id" not in part.omit:
                if row["id"] in seen:
                    _bad(f"{part.key}[{i}].id", f"duplicate id {row['id']} (also {seen[row['id']]})")
                seen[row["id"]] = f"{part.key}[{i}]"
                ids[part.key].add(row["id"])
    if project["current_goal_id"] is not None and project["current_goal_id"] not in ids["goals"]:
        _bad("project.current_goal_id", f"no goal with id {project['current_goal_id']} in this file")
    if not project["name"].strip():
        _bad("project.name", "must not be empty")
    if project["canvas_layout"] is not None and not isinstance(project["canvas_layout"], dict):
        _bad("project.canvas_layout", "must be an object")
    for part in parts:
        for i, row in enumerate(rows[part.key]):
            for col, target in part.refs.items():
                if row[col] is not None and row[col] not in ids[target]:
                    _bad(f"{part.key}[{i}].{col}", f"no {target[:-1]} with id {row[col]} in this file")
            for col, type_col in part.typed_refs.items():
                target = type_part[row[type_col]]
                if row[col] not in ids[target]:
                    _bad(f"{part.key}[{i}].{col}", f"no {row[type_col]} with id {row[col]} in this file")
    _unique(rows, "tags", ("name",))
    _unique(rows, "goals", ("name",))
    _unique(rows, "task_tags", ("task_id", "tag_id"))
    _unique(rows, "agent_run_tasks", ("run_id", "task_id"))
    if len(rows["connector_configs"]) > 1:
        _bad("connector_configs[1]", "a project has one connector configuration")
    for i, task in enumerate(rows["tasks"]):
        if task["due_date"] is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", task["due_date"]):
            _bad(f"tasks[{i}].due_date", f"must be a date like 2026-12-31 (got {task['due_date']!r})")
        refs = task["commit_refs"]
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            _bad(f"tasks[{i}].commit_refs", "must be a list of commit ids")
    _check_edges(rows)
    for key in ("folders", "documents"):
        if len(topo_order(rows[key], "parent_id")) != len(rows[key]):
            _bad(f"{key}", "parent_id links form a cycle (an item is its own ancestor)")


def _check_edges(rows: dict[str, list[dict]]) -> None:
    label_of = {t["id"]: t["label"] for t in rows["tasks"]}
    after: dict[str, list[str]] = defaultdict(list)
    for i, edge in enumerate(rows["edges"]):
        path = f"edges[{i}]"
        if edge["from_type"] == edge["to_type"] and edge["from_id"] == edge["to_id"]:
            _bad(f"{path}.to_id", "an edge cannot connect a node to itself")
        if edge["label"] in vocab.DEPENDENCY_LABELS:
            if edge["from_type"] != "task" or edge["to_type"] != "task":
                _bad(f"{path}.label", f"{edge['label']!r} orders work and joins two tasks only")
            first, then = (
                (edge["to_id"], edge["from_id"])
                if edge["label"] == "depends_on"
                else (edge["from_id"], edge["to_id"])
            )
            after[first].append(then)
    # Kahn's algorithm: whatever is left once every free task is peeled away sits on a cycle.
    indegree = {t: 0 for t in label_of}
    for targets in after.values():
        for t in targets:
            indegree[t] += 1
    free = [t for t, n in indegree.items() if n == 0]
    while free:
        for t in after.get(free.pop(), []):
            indegree[t] -= 1
            if indegree[t] == 0:
                free.append(t)
    stuck = {t for t, n in indegree.items() if n > 0}
    while True:  # peel the tasks that merely hang below a cycle, leaving the cycle itself
        sinks = {t for t in stuck if not any(n in stuck for n in after.get(t, []))}
        if not sinks:
            break
        stuck -= sinks
    if stuck:
        names = sorted(label_of[t] for t in stuck)
        _bad(
            "edges",
            "dependency edges form a cycle through the tasks " + ", ".join(repr(s) for s in names[:8]),
        )


def _unique(rows: dict[str, list[dict]], key: str, columns: tuple[str, ...]) -> None:
    seen: dict[tuple, int] = {}
    for i, row in enumerate(rows[key]):
        value = tuple(row[c] for c in columns)
        if None in value:
            continue
        if value in seen:
            _bad(
                f"{key}[{i}].{columns[-1]}",
                f"duplicate {'/'.join(columns)} {'/'.join(map(str, value))} (also {key}[{seen[value]}])",
            )
        seen[value] = i


def _bad(path: str, message: str):
    raise InvalidArgument(f"{path}: {message}", field=path)


def topo_order(rows: list[dict], parent: str) -> list[dict]:
    """Parents before children (the parent columns are foreign keys); rows on a cycle are left out."""
    by_id = {r["id"]: r for r in rows}
    children: dict[str | None, list[dict]] = defaultdict(list)
    for r in rows:
        children[r[parent] if r[parent] in by_id else None].append(r)
    ordered: list[dict] = []
    queue = list(children[None])
    while queue:
        node = queue.pop()
        ordered.append(node)
        queue.extend(children.get(node["id"], []))
    return ordered
