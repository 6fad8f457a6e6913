"""Walking dependency edges a step at a time through the edge indexes, for cycle checks and single-task reads."""

from __future__ import annotations

from collections import deque
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select, union_all

from plandesk.core.vocab import DEPENDENCY_LABELS
from plandesk.db.schema import edges, tasks

# blocks, feeds, enables point prerequisite → dependent; depends_on points the other way round.
_FORWARD = tuple(label for label in DEPENDENCY_LABELS if label != "depends_on")
_CHUNK = 400
# Past this many nodes the step-by-step walk costs more round trips than reading the project's edges once.
WALK_BUDGET = 256


def _step_statement(towards: str):
    e = edges.c
    tasks_only = (e.project_id == bindparam("project_id"), e.from_type == "task", e.to_type == "task")
    ids: Any = bindparam("ids", expanding=True)
    if towards == "prerequisites":
        forward = select(e.to_id, e.from_id).where(*tasks_only, e.label.in_(_FORWARD), e.to_id.in_(ids))
        backward = select(e.from_id, e.to_id).where(*tasks_only, e.label == "depends_on", e.from_id.in_(ids))
    else:
        forward = select(e.from_id, e.to_id).where(*tasks_only, e.label.in_(_FORWARD), e.from_id.in_(ids))
        backward = select(e.to_id, e.from_id).where(*tasks_only, e.label == "depends_on", e.to_id.in_(ids))
    return union_all(forward, backward)


# Built once: constructing SQLAlchemy statements per call cost more than running them on small plans.
_STEP = {towards: _step_statement(towards) for towards in ("prerequisites", "dependents")}


def step(conn, project_id: str, nodes: list[str], *, towards: str) -> list[tuple[str, str]]:
    """(node, neighbour) pairs one dependency away; towards is "prerequisites" or "dependents".

    Each query touches only the edges at `nodes` (ix_edges_from / ix_edges_to), never the whole project.
    """
    out: list[tuple[str, str]] = []
    for at in range(0, len(nodes), _CHUNK):
        rows = conn.execute(_STEP[towards], {"project_id": project_id, "ids": nodes[at : at + _CHUNK]}).all()
        out.extend((a, b) for a, b in rows)
    return out


def prerequisites_of(conn, project_id: str, task_id: str) -> set[str]:
    return {p for _node, p in step(conn, project_id, [task_id], towards="prerequisites")}


def path_between(conn, project_id: str, *, start: str, goal: str) -> list[str] | None:
    """If `goal` is already a prerequisite (transitively) of `start`, the path goal…start, each item a
    prerequisite of the next; else None.

    The search widens from both ends, always on the smaller frontier: a new edge usually lands where one
    side (the new task's dependents, or an early task's prerequisites) is small, so the check costs a few
    indexed queries instead of reading every edge of the project on every insert.
    """
    if start == goal:
        return [start]
    up: dict[str, str | None] = {start: None}  # prerequisite reached -> the dependent it was reached from
    down: dict[str, str | None] = {goal: None}  # dependent reached -> the prerequisite it was reached from
    up_front, down_front = [start], [goal]
    while up_front and down_front:
        if len(up) + len(down) > WALK_BUDGET:
            return _path_in_memory(conn, project_id, start=start, goal=goal)
        if len(up_front) <= len(down_front):
            found, up_front = _widen(conn, project_id, up_front, up, down, towards="prerequisites")
        else:
            found, down_front = _widen(conn, project_id, down_front, down, up, towards="dependents")
        if found is not None:
            return _join(found, up, down)
    return None


def _path_in_memory(conn, project_id: str, *, start: str, goal: str) -> list[str] | None:
    """The same question over every dependency edge of the project, read in one query."""
    from plandesk.core.graph import prerequisites

    return path_in(prerequisites(conn, project_id), start=start, goal=goal)


def path_in(pre: dict[str, set[str]], *, start: str, goal: str) -> list[str] | None:
    """goal … start when goal is (transitively) a prerequisite of start in the map `pre` (task → its
    prerequisites), else None: a breadth-first walk, so the shortest such chain."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = []
            walk: str | None = node
            while walk is not None:
                path.append(walk)
                walk = parent[walk]
            return path
        for p in pre.get(node, ()):
            if p not in parent:
                parent[p] = node
                queue.append(p)
    return None


def _widen(conn, project_id, front, seen, other, *, towards) -> tuple[str | None, list[str]]:
    nxt: list[str] = []
    for node, neighbour in step(conn, project_id, front, towards=towards):
        if neighbour in seen:
            continue
        seen[neighbour] = node
        if neighbour in other:
            return neighbour, nxt
        nxt.append(neighbour)
    return None, nxt


def _join(meeting: str, up: dict, down: dict) -> list[str]:
    head: list[str] = []
    node: str | None = meeting
    while node is not None:  # meeting … goal, then reversed: goal … meeting
        head.append(node)
        node = down[node]
    head.reverse()
    node = up[meeting]
    while node is not None:  # meeting's dependent … start
        head.append(node)
        node = up[node]
    return head


_PRE = tasks.alias("pre")


def _unfinished_links(*, forward: bool):
    """(from-clause, conditions, near end, columns) for dependency links whose prerequisite is not done.

    `forward` takes blocks/feeds/enables (prerequisite → dependent), else depends_on (the other way round).
    The caller adds its condition on the near (dependent) end. There is no condition on the far end's type:
    dependency labels join two tasks only (edges.clean), and such a condition tempts a planner without
    statistics into walking the other edge index, reading every edge of the project. A missing
    prerequisite counts as unfinished.
    """
    e = edges.c
    label: ColumnElement[bool]
    if forward:
        near, near_type, far, label = e.to_id, e.to_type, e.from_id, e.label.in_(_FORWARD)
    else:
        near, near_type, far, label = e.from_id, e.from_type, e.to_id, e.label == "depends_on"
    joined = edges.outerjoin(_PRE, _PRE.c.id == far)
    where = [
        e.project_id == bindparam("project_id"),
        near_type == "task",
        label,
        or_(_PRE.c.status.is_(None), _PRE.c.status != "done"),
    ]
    return joined, where, near, (near, far, _PRE.c.label, _PRE.c.status)


def _unfinished_statement():
    parts = []
    for forward in (True, False):
        joined, where, near, cols = _unfinished_links(forward=forward)
        parts.append(
            select(*cols).select_from(joined).where(*where, near.in_(bindparam("ids", expanding=True)))
        )
    return union_all(*parts)


_UNFINISHED = _unfinished_statement()


def unfinished_prerequisites(conn, project_id: str, task_ids: list[str]) -> dict[str, list[tuple]]:
    """For the given tasks, their prerequisites that are not done: [(id, label, status)] by task id."""
    out: dict[str, list[tuple]] = {}
    for at in range(0, len(task_ids), _CHUNK):
        ids = task_ids[at : at + _CHUNK]
        for task_id, pre_id, label, status in conn.execute(
            _UNFINISHED, {"project_id": project_id, "ids": ids}
        ).all():
            out.setdefault(task_id, []).append((pre_id, label, status))
    return out
