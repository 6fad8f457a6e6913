"""Checking (and, when asked, repairing) each task's stored count of unfinished prerequisites against the edges."""

from __future__ import annotations

from sqlalchemy import bindparam, func, literal, or_, select, union_all, update

from plandesk.core.vocab import DEPENDENCY_LABELS
from plandesk.db.schema import edges, tasks

_FORWARD = tuple(label for label in DEPENDENCY_LABELS if label != "depends_on")


def _recounted():
    """(task id, unfinished prerequisites) for every task with at least one, counted from the edges."""
    pre = tasks.alias("pre")
    e = edges.c
    unfinished = or_(pre.c.status.is_(None), pre.c.status != "done")
    forward = (
        select(e.to_id.label("task_id"), literal(1).label("one"))
        .select_from(edges.outerjoin(pre, pre.c.id == e.from_id))
        .where(e.to_type == "task", e.label.in_(_FORWARD), unfinished)
    )
    backward = (
        select(e.from_id.label("task_id"), literal(1).label("one"))
        .select_from(edges.outerjoin(pre, pre.c.id == e.to_id))
        .where(e.from_type == "task", e.label == "depends_on", unfinished)
    )
    links = union_all(forward, backward).subquery()
    return select(links.c.task_id, func.count().label("n")).group_by(links.c.task_id)


def mismatches(conn, *, limit: int = 20) -> tuple[int, list[dict]]:
    """(how many tasks store a wrong count, the first `limit` of them with stored and actual counts)."""
    actual = dict(conn.execute(_recounted()).all())
    stored = conn.execute(select(tasks.c.id, tasks.c.waiting_count)).all()
    wrong = [
        {"task_id": tid, "stored": n, "actual": actual.get(tid, 0)}
        for tid, n in stored
        if n != actual.get(tid, 0)
    ]
    return len(wrong), wrong[:limit]


def repair(conn) -> int:
    """Set every wrong count to what the edges say; the number of tasks changed."""
    _total, wrong = mismatches(conn, limit=10**9)
    if wrong:
        conn.execute(
            update(tasks).where(tasks.c.id == bindparam("tid")).values(waiting_count=bindparam("n")),
            [{"tid": w["task_id"], "n": w["actual"]} for w in wrong],
        )
    return len(wrong)
