"""Writing many tasks and edges at once inside one transaction: every row checked first, then a few batched
statements (executemany, COPY on PostgreSQL) instead of seven statements per task."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from plandesk.core import dependencies, graph
from plandesk.core import tasks as task_core
from plandesk.core.clock import new_id, now
from plandesk.core.errors import Conflict
from plandesk.core.portability import insert_rows
from plandesk.core.vocab import DEPENDENCY_LABELS
from plandesk.db import search
from plandesk.db.engine import Tx
from plandesk.db.schema import edges, task_tags, tasks

# Every task row carries the same columns, as COPY and executemany want.
_TASK_DEFAULTS: dict[str, Any] = {
    "goal_id": None,
    "priority": None,
    "description": "",
    "assignee": None,
    "due_date": None,
    "commit_refs": [],
    "x": 0.0,
    "y": 0.0,
}


def insert_tasks(tx: Tx, project_id: str, cleaned: list[dict]) -> list[dict]:
    """Rows already checked by tasks.clean (and goal_id resolved); returns them as tasks.to_dict gives them.

    Creation times step by a microsecond so the frontier keeps the plan's order among equal priorities.
    """
    ts = now()
    rows, tag_lists = [], []
    for i, values in enumerate(cleaned):
        values = dict(values)
        tag_lists.append(values.pop("tags", []))
        stamp = ts + timedelta(microseconds=i)
        rows.append(
            {
                **_TASK_DEFAULTS,
                **values,
                "id": new_id(),
                "project_id": project_id,
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    insert_rows(tx.conn, tasks, rows)
    search.index_many(tx.conn, [("task", r["id"], project_id, r["label"], r["description"]) for r in rows])
    _tag_all(tx, project_id, [(r["id"], names) for r, names in zip(rows, tag_lists) if names])
    return [
        task_core.to_dict(SimpleNamespace(**r, claimed_by=None, lease_expires_at=None), names)
        for r, names in zip(rows, tag_lists)
    ]


def _tag_all(tx: Tx, project_id: str, tagged: list[tuple[str, list[str]]]) -> None:
    if not tagged:
        return
    conn = tx.conn
    existing = task_core.tag_ids(conn, project_id, sorted({n for _tid, ns in tagged for n in ns}))
    insert_rows(
        conn,
        task_tags,
        [{"task_id": tid, "tag_id": existing[n]} for tid, ns in tagged for n in dict.fromkeys(ns)],
    )


def check_no_cycle(
    conn, project_id: str, specs: list[dict], labels: dict[str, str], *, touches_existing: bool
) -> int | None:
    """The index of the first dependency edge in `specs` that closes a cycle (with the project's edges when
    the batch links to existing tasks), else None; raises Conflict naming the cycle."""
    pre: dict[str, set[str]] = graph.prerequisites(conn, project_id) if touches_existing else {}
    for i, spec in enumerate(specs):
        if spec["label"] not in DEPENDENCY_LABELS:
            continue
        prereq, dependent = graph.orient(spec["label"], spec["from_id"], spec["to_id"])
        path = dependencies.path_in(pre, start=prereq, goal=dependent)
        if path is not None:
            unknown = [p for p in path if p not in labels]
            if unknown:
                labels = {**labels, **dict(zip(unknown, graph.labels_of(conn, unknown)))}
            names = [labels[p] for p in path]
            raise Conflict(
                "this edge would close a dependency cycle: " + " → ".join(names + [names[0]]),
                field="to_id",
                cycle=path,
                index=i,
            )
        pre.setdefault(dependent, set()).add(prereq)
    return None


def insert_edges(conn, project_id: str, specs: list[dict]) -> list[dict]:
    """Edges already cleaned, checked for cycles and de-duplicated; the triggers recount their dependents."""
    ts = now()
    rows = [
        {
            "id": new_id(),
            "project_id": project_id,
            "style": None,
            "arrow_direction": None,
            **spec,
            "created_at": ts + timedelta(microseconds=i),
        }
        for i, spec in enumerate(specs)
    ]
    insert_rows(conn, edges, rows)
    from plandesk.core.edges import to_dict

    return [to_dict(SimpleNamespace(**r)) for r in rows]
