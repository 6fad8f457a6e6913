"""The ready frontier as indexed reads: each task's maintained count of unfinished prerequisites
(tasks.waiting_count, kept by triggers, migration 0002) makes "the first ready tasks in priority order" a
range read of ix_tasks_ready per priority, whatever the size of the plan."""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, case, exists, func, literal, select, union_all

from plandesk.core.vocab import PRIORITIES
from plandesk.db.schema import tags, task_tags, tasks

# Frontier order: priority (urgent … low, then none), then age, then id. One index range per priority
# keeps every branch in index order, so a LIMIT stops after n rows instead of sorting the todo list.
_BUCKETS: tuple[str | None, ...] = (*PRIORITIES, None)


def _where(*, ready: bool, scoped: bool, tagged: bool, project_id=None, counting: bool = False) -> list:
    """The conditions of a frontier read; `project_id` another read's column (default: the parameter)."""
    t = tasks.c
    # "+ 0" keeps the blocked head off ix_tasks_ready (a range there means sorting every blocked task); it
    # walks ix_tasks_queue in frontier order instead and stops after n. A count wants exactly that range.
    blocked = t.waiting_count > 0 if counting else t.waiting_count + 0 > 0
    cond = [
        t.project_id == (bindparam("project_id") if project_id is None else project_id),
        t.status == "todo",
        t.waiting_count == 0 if ready else blocked,
    ]
    if scoped:
        cond.append(t.goal_id == bindparam("goal_id"))
    if tagged:
        cond.append(
            t.id.in_(
                select(task_tags.c.task_id)
                .join(tags, tags.c.id == task_tags.c.tag_id)
                .where(
                    tags.c.project_id == bindparam("project_id"),
                    tags.c.name.in_(bindparam("tags", expanding=True)),
                )
            )
        )
    return cond


# A branch's order, written as the indexes hold it. Within one priority only age and id decide, but
# PostgreSQL does not count `priority IS NULL` as fixing the column (only `=` does), so "created_at, id" alone
# did not match the indexes' order for tasks without a priority: it sorted every ready task of the project to
# take the first (1.5 ms at 1,500 ready tasks, growing with the plan). Naming priority first matches
# ix_tasks_ready, ix_tasks_goal_ready and ix_tasks_queue column for column, and changes nothing in a branch.
_IN_INDEX_ORDER = (tasks.c.priority, tasks.c.created_at, tasks.c.id)


def _in_bucket(priority: str | None):
    return tasks.c.priority == priority if priority is not None else tasks.c.priority.is_(None)


def _bucket_range(columns, cond: list, priority: str | None, n):
    """One priority's index range: `columns` of the rows meeting `cond` in that bucket, in index order,
    stopped after n rows."""
    return select(*columns).where(*cond, _in_bucket(priority)).order_by(*_IN_INDEX_ORDER).limit(n)


def _union_of_buckets(columns, cond: list, n):
    """The first n rows of every priority, one index range per bucket, as one UNION ALL subquery with a
    `rank` column (the bucket's place in _BUCKETS): its first n rows by (rank, created_at, id) are the first
    n in frontier order, without sorting the todo list."""
    branches = [
        select(_bucket_range([*columns, literal(rank, Integer).label("rank")], cond, priority, n).subquery())
        for rank, priority in enumerate(_BUCKETS)
    ]
    return union_all(*branches).subquery()


def _head(*, ready: bool, scoped: bool, tagged: bool):
    """The first n (id, label) in frontier order. Each priority's branch reads only index columns (the
    indexes cover id and created_at), so of its up to n rows only the n kept are looked up for their label:
    on a large plan five branches of 50 rows each meant 250 table reads for 50 answers."""
    t = tasks.c
    n = bindparam("n", type_=Integer)
    both = _union_of_buckets([t.id, t.created_at], _where(ready=ready, scoped=scoped, tagged=tagged), n)
    order = (both.c.rank, both.c.created_at, both.c.id)
    top = select(both).order_by(*order).limit(n).subquery()
    return (
        select(top.c.id, t.label)
        .join_from(top, tasks, tasks.c.id == top.c.id)
        .order_by(top.c.rank, top.c.created_at, top.c.id)
    )


def _count(*, ready: bool, scoped: bool, tagged: bool):
    cond = _where(ready=ready, scoped=scoped, tagged=tagged, counting=True)
    return select(func.count()).select_from(tasks).where(*cond)


def _first(priority: str | None, *, scoped: bool):
    """PostgreSQL runs claimers side by side: each takes the first `n` rows of a priority that no one else
    holds (SKIP LOCKED), so N agents get N different tasks on their first call."""
    cond = _where(ready=True, scoped=scoped, tagged=False)
    n = bindparam("n", type_=Integer)
    return _bucket_range(tasks.columns, cond, priority, n).with_for_update(skip_locked=True)


def first_bucket(project_id_column):
    """The rank in _BUCKETS of the first priority with a ready task in the project (len(_BUCKETS) when none
    is ready), as a column of another read: one index probe per priority, no round trip. PostgreSQL's claim
    starts its per-priority walk there instead of asking each empty priority in turn."""
    ready = _where(ready=True, scoped=False, tagged=False, project_id=project_id_column)
    whens = [(exists().where(*ready, _in_bucket(p)), rank) for rank, p in enumerate(_BUCKETS)]
    return case(*whens, else_=len(_BUCKETS))


def _first_of_all(*, scoped: bool):
    """SQLite has one writer, which sees every earlier claim: the first `n` ready rows over all priorities
    in one statement (each branch an index range stopped after n rows)."""
    n = bindparam("n", type_=Integer)
    both = _union_of_buckets(tasks.columns, _where(ready=True, scoped=scoped, tagged=False), n)
    return (
        select(*[both.c[c.name] for c in tasks.columns])
        .order_by(both.c.rank, both.c.created_at, both.c.id)
        .limit(n)
    )


# Built once per shape: building SQLAlchemy statements per call cost more than running them.
_KEYS = [
    (ready, scoped, tagged) for ready in (True, False) for scoped in (False, True) for tagged in (False, True)
]
_HEADS = {key: _head(ready=key[0], scoped=key[1], tagged=key[2]) for key in _KEYS}
_COUNTS = {key: _count(ready=key[0], scoped=key[1], tagged=key[2]) for key in _KEYS}
_FIRST = {(p, scoped): _first(p, scoped=scoped) for p in _BUCKETS for scoped in (False, True)}
_FIRST_OF_ALL = {scoped: _first_of_all(scoped=scoped) for scoped in (False, True)}


def _params(project_id: str, goal_id: str | None, scoped: bool, tags_any) -> dict:
    params: dict = {"project_id": project_id}
    if scoped:
        params["goal_id"] = goal_id
    if tags_any:
        params["tags"] = list(tags_any)
    return params


def head(
    conn, project_id: str, *, goal_id: str | None, scoped: bool, tags_any=None, ready: bool, limit: int
) -> list[tuple[str, str]]:
    """The first `limit` todo tasks (id, label) in frontier order that are ready (or, ready=False, blocked)."""
    key = (ready, scoped, bool(tags_any))
    return [
        (r.id, r.label)
        for r in conn.execute(_HEADS[key], {**_params(project_id, goal_id, scoped, tags_any), "n": limit})
    ]


def count(conn, project_id: str, *, goal_id: str | None, scoped: bool, tags_any=None, ready: bool) -> int:
    key = (ready, scoped, bool(tags_any))
    return conn.execute(_COUNTS[key], _params(project_id, goal_id, scoped, tags_any)).scalar_one()


def first_ready(conn, project_id: str, *, goal_id: str | None, scoped: bool, n: int, from_bucket: int = 0):
    """The first `n` ready task rows in frontier order (locked for this transaction on PostgreSQL; rows
    other transactions hold are skipped). `from_bucket` (PostgreSQL) is where the walk over priorities
    starts, when the caller knows the earlier ones had no ready task (first_bucket)."""
    params = {**_params(project_id, goal_id, scoped, None), "n": n}
    if conn.dialect.name != "postgresql":
        return conn.execute(_FIRST_OF_ALL[scoped], params).all()
    rows: list = []
    for priority in _BUCKETS[from_bucket:]:
        rows += conn.execute(_FIRST[(priority, scoped)], {**params, "n": n - len(rows)}).all()
        if len(rows) >= n:
            break
    return rows
