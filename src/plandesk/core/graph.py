"""The plan as a graph: prerequisites, the ready frontier, cycles, claims with leases."""

from __future__ import annotations

import copy
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, exists, func, or_, select, update

from plandesk.core import audit, claim_refusals, dependencies, fields, projects, ready_queue, tokens, vocab
from plandesk.core import tasks as task_core
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, now
from plandesk.core.errors import Conflict, InvalidArgument, NotFound
from plandesk.core.vocab import DEFAULT_LEASE_SECONDS, DEPENDENCY_LABELS, MAX_LEASE_SECONDS
from plandesk.db.engine import Tx
from plandesk.db.schema import goals, tags, tasks
from plandesk.db.schema import projects as projects_table


def orient(label: str, from_id: str, to_id: str) -> tuple[str, str]:
    """(prerequisite, dependent) for a dependency edge: depends_on reads the other way round."""
    return (to_id, from_id) if label == "depends_on" else (from_id, to_id)


def prerequisites(conn, project_id: str) -> dict[str, set[str]]:
    from plandesk.db.schema import edges

    rows = conn.execute(
        select(edges.c.from_id, edges.c.to_id, edges.c.label).where(
            edges.c.project_id == project_id,
            edges.c.from_type == "task",
            edges.c.to_type == "task",
            edges.c.label.in_(DEPENDENCY_LABELS),
        )
    ).all()
    pre: dict[str, set[str]] = defaultdict(set)
    for f, t, label in rows:
        p, d = orient(label, f, t)
        pre[d].add(p)
    return pre


def waiting_on(db, actor: Actor, project_id: str, *, task_id: str | None = None) -> dict[str, list[dict]]:
    """What each unfinished task waits on: {task id: its prerequisites not done, [{id, label, status}] by
    label}; a task missing from the answer is not blocked. The board's "blocked", across every goal (the
    frontier is per goal), in one read for the project, or for the one `task_id`.
    """
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        rows = dependencies.waiting_in_project(conn, prow.id, task_id)
    out: dict[str, list[dict]] = {}
    for dependent, prereqs in rows.items():
        # A prerequisite deleted meanwhile (its edge not yet cleaned) is simply not waited on here.
        shown = sorted({p for p in prereqs if p[2] is not None}, key=lambda p: (p[1].lower(), p[0]))
        if shown:
            out[dependent] = [{"id": p, "label": label, "status": status} for p, label, status in shown]
    return out


def task_links(db, actor: Actor, project_id: str, task_id: str) -> dict[str, list[dict]]:
    """A task's links as its drawer lists them: the prerequisites it waits on, the dependents it unblocks,
    other task links, and linked documents, oldest link first. The tasks at the other ends are read together
    with the links (two queries, however many links); a task deleted meanwhile drops out with its link."""
    from plandesk.db.schema import edges

    e = edges.c
    out: dict[str, list[dict]] = {"waits_on": [], "unblocks": [], "related": [], "documents": []}
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        touching = or_(
            and_(e.from_type == "task", e.from_id == task_id), and_(e.to_type == "task", e.to_id == task_id)
        )
        links = conn.execute(
            select(edges).where(e.project_id == prow.id, touching).order_by(e.created_at, e.id)
        ).all()
        ends = [
            (
                link,
                (link.to_type, link.to_id)
                if (link.from_type, link.from_id) == ("task", task_id)
                else (link.from_type, link.from_id),
            )
            for link in links
        ]
        wanted = sorted({other_id for _, (kind, other_id) in ends if kind == "task"})
        known = (
            {
                row.id: row
                for row in conn.execute(
                    select(tasks.c.id, tasks.c.label, tasks.c.status).where(
                        tasks.c.project_id == prow.id, tasks.c.id.in_(wanted)
                    )
                ).all()
            }
            if wanted
            else {}
        )
    for link, (kind, other_id) in ends:
        if kind == "document":
            out["documents"].append({"id": other_id, "label": link.label, "edge_id": link.id})
            continue
        other = known.get(other_id) if kind == "task" else None
        if other is None:
            continue
        entry = {
            "id": other_id,
            "label": other.label,
            "status": other.status,
            "edge": link.label,
            "edge_id": link.id,
        }
        if link.label in DEPENDENCY_LABELS:
            prereq, _ = orient(link.label, link.from_id, link.to_id)
            out["waits_on" if prereq == other_id else "unblocks"].append(entry)
        else:
            out["related"].append(entry)
    return out


def dependency_path(conn, project_id: str, *, start: str, goal: str) -> list[str] | None:
    """If `goal` is already a prerequisite (transitively) of `start`, the path goal…start; else None.

    Adding "start is a prerequisite of goal" then closes a cycle.
    """
    return dependencies.path_between(conn, project_id, start=start, goal=goal)


def labels_of(conn, ids: list[str]) -> list[str]:
    names = dict(conn.execute(select(tasks.c.id, tasks.c.label).where(tasks.c.id.in_(ids))).all())
    return [f"{names.get(i, i)!s}" for i in ids]


def find_cycles(pre: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of size > 1 (Tarjan, iterative): data imported from elsewhere may loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    nodes = set(pre) | {p for ps in pre.values() for p in ps}
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(pre.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(pre.get(nxt, ()))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def _resolve_goal(
    conn, prow, goal_id, goal_name, *, active_goals: int | None = None
) -> tuple[str | None, bool, dict | None]:
    """(goal id or None, scoped?, reason when nothing can be chosen). `active_goals`: the project's count of
    active goals when the caller has read it already (none active: no goals read)."""
    if goal_id is not None:
        gid = fields.ident("goal_id", goal_id)
        if conn.execute(_GOAL_IN_PROJECT, {"gid": gid, "pid": prow.id}).first() is None:
            raise NotFound("goal", gid, field="goal_id")
        return gid, True, None
    if goal_name is not None:
        g = conn.execute(
            select(goals.c.id).where(goals.c.project_id == prow.id, goals.c.name == goal_name)
        ).first()
        if g is None:
            raise NotFound("goal", goal_name, field="goal")
        return g.id, True, None
    if prow.current_goal_id:
        return prow.current_goal_id, True, None
    if active_goals == 0:
        return None, False, None
    active = conn.execute(_ACTIVE_GOALS, {"pid": prow.id}).all()
    if len(active) == 1:
        return active[0].id, True, None
    if len(active) > 1:
        return (
            None,
            True,
            {"reason": "ambiguous_goal", "ambiguous_goals": [{"id": g.id, "name": g.name} for g in active]},
        )
    return None, False, None


# Ready tasks, and blocked ones, listed by frontier(); ready_total and blocked_total count them all.
FRONTIER_HEAD = 50


def frontier(
    conn, actor: Actor, project_id: str, *, goal_id=None, goal=None, tags_any=None, ready_head=FRONTIER_HEAD
) -> dict:
    """The head of the ready frontier (`ready_head` tasks) and of the blocked list, with totals: indexed
    reads of the maintained counts (ready_queue), so the cost follows what is shown, not the size of the
    plan."""
    prow = projects.load(conn, actor, project_id)
    gid, scoped, problem = _resolve_goal(conn, prow, goal_id, goal)
    if problem:
        return {
            "next_task": None,
            "ready": [],
            "blocked": [],
            "ready_total": 0,
            "blocked_total": 0,
            **problem,
        }
    where = {"goal_id": gid, "scoped": scoped, "tags_any": tags_any}
    ready = [
        task_id for task_id, _label in ready_queue.head(conn, prow.id, ready=True, limit=ready_head, **where)
    ]
    shown = ready_queue.head(conn, prow.id, ready=False, limit=FRONTIER_HEAD, **where)
    ready_total = (
        len(ready) if len(ready) < ready_head else ready_queue.count(conn, prow.id, ready=True, **where)
    )
    held_total = (
        len(shown) if len(shown) < FRONTIER_HEAD else ready_queue.count(conn, prow.id, ready=False, **where)
    )
    waiting = dependencies.unfinished_prerequisites(conn, prow.id, [task_id for task_id, _ in shown])
    blocked = [
        {
            "id": task_id,
            "label": label,
            "waiting_on": [
                {"id": p, "label": pre_label, "status": status}
                for p, pre_label, status in sorted(set(waiting.get(task_id, ())))
            ],
        }
        for task_id, label in shown
    ]
    return {
        "goal_id": gid,
        "ready": ready,
        "ready_total": ready_total,
        "blocked": blocked,
        "blocked_total": held_total,
        "next_task_id": ready[0] if ready else None,
    }


def _lease_due(project_id: str):
    return and_(
        tasks.c.project_id == project_id, tasks.c.status == "in_progress", tasks.c.lease_expires_at <= now()
    )


# Built once (every claim runs them): the leases due in a project (or on one task), and the project's goals.
_DUE_COND = and_(
    tasks.c.project_id == bindparam("due_pid"),
    tasks.c.status == "in_progress",
    tasks.c.lease_expires_at <= bindparam("due_ts"),
)
_DUE = select(tasks.c.id, tasks.c.claimed_by).where(_DUE_COND)
_DUE_ONE = _DUE.where(tasks.c.id == bindparam("due_tid"))
_EXPIRE = (
    update(tasks)
    .where(tasks.c.id == bindparam("due_tid"), _DUE_COND)
    .values(
        status="todo",
        assignee=None,
        claimed_by=None,
        lease_expires_at=None,
        version=tasks.c.version + 1,
        updated_at=bindparam("due_ts"),
    )
)
_GOAL_IN_PROJECT = select(goals.c.id).where(
    goals.c.id == bindparam("gid"), goals.c.project_id == bindparam("pid")
)
_CLAIM_STATE = select(
    projects_table.c.id,
    projects_table.c.current_goal_id,
    select(func.count())
    .select_from(goals)
    .where(goals.c.project_id == projects_table.c.id, goals.c.status == "active")
    .scalar_subquery()
    .label("active_goals"),
    exists()
    .where(
        tasks.c.project_id == projects_table.c.id,
        tasks.c.status == "in_progress",
        tasks.c.lease_expires_at <= bindparam("due_ts"),
    )
    .label("lease_due"),
    # A claim answers with the task's tags: a project without any skips reading them.
    exists().where(tags.c.project_id == projects_table.c.id).label("has_tags"),
).where(projects_table.c.id == bindparam("pid"))
# PostgreSQL's claim walks the priorities one statement each (SKIP LOCKED cannot go through a UNION): the
# same read also says which priority holds the first ready task, so the walk skips the empty ones.
_CLAIM_STATE_PG = _CLAIM_STATE.add_columns(
    ready_queue.first_bucket(projects_table.c.id).label("first_bucket")
)
_ACTIVE_GOALS = select(goals.c.id, goals.c.name).where(
    goals.c.project_id == bindparam("pid"), goals.c.status == "active"
)


def _expire_due(tx: Tx, project_id: str, *, task_id: str | None = None) -> int:
    """Inside a write transaction: give the project's tasks whose lease ran out (or just `task_id`) back to
    todo. The read goes through ix_tasks_lease and stays inside the project."""
    params = {"due_pid": project_id, "due_ts": now()}
    if task_id is not None:
        rows = tx.conn.execute(_DUE_ONE, {**params, "due_tid": task_id}).all()
    else:
        rows = tx.conn.execute(_DUE, params).all()
    for r in rows:
        tx.conn.execute(_EXPIRE, {**params, "due_tid": r.id})
        audit.record(
            tx,
            _SYSTEM,
            "task.lease_expired",
            project_id=project_id,
            target_type="task",
            target_id=r.id,
            detail={"claimed_by": r.claimed_by},
        )
        tx.publish(project_id, "task.updated", task={"id": r.id, "status": "todo"}, changed=["status"])
    return len(rows)


def expire_leases(db, project_id: str) -> int:
    """Give the project's tasks whose lease ran out back to todo. An indexed read first; a write only when
    something expired."""
    with db.read() as conn:
        due = conn.execute(select(tasks.c.id).where(_lease_due(project_id)).limit(1)).first()
    if due is None:
        return 0
    with db.write() as tx:
        return _expire_due(tx, project_id)


_SYSTEM = Actor(user_id="system", name="plandesk (lease expiry)", role="owner")


def get_next_task(
    db, actor: Actor, project_id: str, *, goal_id=None, goal=None, tags_any=None, verbose: bool = False
) -> dict:
    expire_leases(db, fields.ident("project_id", project_id))
    with db.read() as conn:
        # Only the next task is answered: a head of one, not the frontier's fifty.
        f = frontier(conn, actor, project_id, goal_id=goal_id, goal=goal, tags_any=tags_any, ready_head=1)
        nxt = None
        if f.get("next_task_id"):
            row = task_core.load(conn, actor, f["next_task_id"])
            nxt = task_core.to_dict(row, task_core.tag_map(conn, [row.id])[row.id], verbose=verbose)
    out = {
        "next_task": nxt,
        "blocked": f["blocked"],
        "blocked_total": f.get("blocked_total", 0),
        "ready_count": f.get("ready_total", 0),
        "goal_id": f.get("goal_id"),
    }
    for key in ("reason", "ambiguous_goals"):
        if key in f:
            out[key] = f[key]
    if nxt is None and "reason" not in out:
        out["reason"] = "all_blocked" if f["blocked"] else "no_todo_tasks"
    return out


def _lease(lease_seconds) -> int:
    value = fields.number("lease_seconds", lease_seconds, minimum=10, maximum=MAX_LEASE_SECONDS, integer=True)
    return int(value) if value is not None else DEFAULT_LEASE_SECONDS


def claim_task(db, actor: Actor, task_id: str, agent_ref: str, *, lease_seconds=None) -> dict:
    """Atomic todo → in_progress: one compare-and-set UPDATE, exactly one concurrent winner."""
    actor.require_write("claiming a task")
    agent_ref = fields.required_text("agent_ref", agent_ref, max_len=vocab.MAX_AGENT_REF, strip=True)
    lease = _lease(lease_seconds)
    task_id = fields.ident("task_id", task_id)
    with db.write() as tx:
        row = task_core.load(tx.conn, actor, task_id, for_update=True)
        if task_core.lease_expired(row) and _expire_due(tx, row.project_id, task_id=row.id):
            row = task_core.load(tx.conn, actor, task_id)
        return _claim_row(tx, actor, row, agent_ref, lease)


_CLAIM = (
    update(tasks)
    .where(tasks.c.id == bindparam("tid"), tasks.c.status == "todo", tasks.c.waiting_count == 0)
    .values(
        status="in_progress",
        assignee=bindparam("agent"),
        claimed_by=bindparam("agent"),
        lease_expires_at=bindparam("expires"),
        version=tasks.c.version + 1,
        updated_at=bindparam("ts"),
    )
)


def _claim_row(tx: Tx, actor: Actor, row, agent_ref: str, lease: int) -> dict:
    """Claim one loaded task inside the caller's write transaction; Conflict, with nothing written, if it
    is not todo, is blocked, or another writer took it first."""
    if row.status != "todo":
        raise _taken(row)
    if row.waiting_count:
        waiting = sorted(
            {
                p
                for p, _label, _status in dependencies.unfinished_prerequisites(
                    tx.conn, row.project_id, [row.id]
                ).get(row.id, [])
            }
        )
        raise claim_refusals.blocked(row.id, waiting)
    ts = now()
    expires = ts + timedelta(seconds=lease)
    result = tx.conn.execute(_CLAIM, {"tid": row.id, "agent": agent_ref, "expires": expires, "ts": ts})
    if result.rowcount != 1:
        raise _taken(task_core.load(tx.conn, actor, row.id))
    audit.record_many(tx, [_claim_entry(actor, row, agent_ref, lease)])
    return _claimed(tx, row, agent_ref, expires, ts, task_core.tags_of(tx.conn, row.id))


def _taken(row) -> Conflict:
    if row.status == "in_progress":
        return claim_refusals.held(row.id, row.claimed_by or row.assignee, iso(row.lease_expires_at))
    return claim_refusals.not_todo(row.id, row.status)


@dataclass(frozen=True)
class _ClaimJob:
    """One claim-next call waiting for the group writer (validated, the caller's rights checked)."""

    actor: Actor
    project_id: str
    agent_ref: str
    lease: int
    goal_id: str | None
    tags_any: tuple[str, ...] | None


def claim_next_submit(
    db, actor: Actor, project_id: str, agent_ref: str, *, lease_seconds=None, goal_id=None, tags_any=None
) -> Future:
    """claim_next_task as a Future, for callers on an event loop (REST awaits it without a worker thread):
    the arguments and the caller's rights are checked here, the claim is made by the group writer."""
    actor.require_write("claiming a task")  # also when nothing is ready: a viewer learns nothing by trying
    job = _ClaimJob(
        actor=actor,
        project_id=fields.ident("project_id", project_id),
        agent_ref=fields.required_text("agent_ref", agent_ref, max_len=vocab.MAX_AGENT_REF, strip=True),
        lease=_lease(lease_seconds),
        goal_id=fields.ident("goal_id", goal_id) if goal_id is not None else None,
        tags_any=tuple(tags_any) if tags_any else None,
    )
    actor.require_visible(job.project_id)
    return db.group_writer(_claim_next_batch).submit(job)


def claim_next_task(
    db, actor: Actor, project_id: str, agent_ref: str, *, lease_seconds=None, goal_id=None, tags_any=None
) -> dict:
    """Take the next ready task: choose and claim in one write transaction.

    Concurrent calls are claimed together by the database's group writer (one transaction, one state read
    and one statement each for choosing, claiming and auditing, whatever the number of agents). On SQLite
    the one writer sees every earlier claim, so the first ready tasks are free; on PostgreSQL the choice
    skips rows other processes hold (SKIP LOCKED). Either way N agents and N free tasks give every agent a
    task on its first call, and no claimer walks past tasks others took.
    """
    return claim_next_submit(
        db, actor, project_id, agent_ref, lease_seconds=lease_seconds, goal_id=goal_id, tags_any=tags_any
    ).result()


def _claim_next_batch(tx: Tx, jobs: list[_ClaimJob]) -> list:
    """The group writer's work: the batch's calls grouped by what they ask for (project, goal, tags), each
    group claimed together. A group's refusal (no such project or goal) is raised before it writes, so it
    is that group's answer alone."""
    # Each claim is audited with the run its token has open (tokens.with_open_run), looked up for the whole
    # batch in one read of this transaction.
    actors = tokens.with_open_runs(tx.conn, [job.actor for job in jobs])
    jobs = [job if job.actor is a else replace(job, actor=a) for job, a in zip(jobs, actors, strict=True)]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, job in enumerate(jobs):
        groups[(job.project_id, job.goal_id, job.tags_any)].append(i)
    out: list = [None] * len(jobs)
    for idxs in groups.values():
        try:
            answers: list = _claim_group(tx, [jobs[i] for i in idxs])
        except (NotFound, InvalidArgument) as exc:
            answers = [exc] + [copy.copy(exc) for _ in idxs[1:]]
        for i, answer in zip(idxs, answers, strict=True):
            out[i] = answer
    return out


def _claim_group(tx: Tx, jobs: list[_ClaimJob]) -> list[dict]:
    """Claims for calls that ask the same project, goal and tags, in arrival order: one read for the project,
    whether any lease is due and how many goals are active; one for the first len(jobs) ready rows; one
    UPDATE, one audit INSERT and one tag read for all of them."""
    first = jobs[0]
    pg = tx.conn.dialect.name == "postgresql"
    state = _CLAIM_STATE_PG if pg else _CLAIM_STATE
    prow = tx.conn.execute(state, {"pid": first.project_id, "due_ts": now()}).first()
    if prow is None:
        raise NotFound("project", first.project_id)
    gid, scoped, problem = _resolve_goal(tx.conn, prow, first.goal_id, None, active_goals=prow.active_goals)
    if problem:
        return [{"claimed": False, "task": None, **problem} for _ in jobs]
    if prow.lease_due:
        _expire_due(tx, prow.id)
    if first.tags_any:
        return [_claim_tagged(tx, job, prow.id, gid, scoped) for job in jobs]
    rows = ready_queue.first_ready(
        tx.conn,
        prow.id,
        goal_id=gid,
        scoped=scoped,
        n=len(jobs),
        # After expiring leases the tasks they freed may sit in an earlier priority: walk all.
        from_bucket=prow.first_bucket if pg and not prow.lease_due else 0,
    )
    answers = _claim_rows(tx, jobs[: len(rows)], rows, has_tags=prow.has_tags)
    if len(rows) < len(jobs):
        reason = _nothing_ready(tx.conn, prow.id, gid, scoped, None)
        answers += [{"claimed": False, "task": None, "reason": reason} for _ in jobs[len(rows) :]]
    return answers


def _nothing_ready(conn, project_id: str, gid, scoped: bool, tags_any) -> str:
    blocked = ready_queue.count(conn, project_id, goal_id=gid, scoped=scoped, tags_any=tags_any, ready=False)
    return "all_blocked" if blocked else "no_todo_tasks"


def _claim_rows(tx: Tx, jobs: list[_ClaimJob], rows: list, *, has_tags: bool) -> list[dict]:
    """Claim each row for its job, all in one UPDATE: the rows are ready and this transaction's alone (SQLite's
    one writer read them; PostgreSQL locked them), so every compare-and-set holds."""
    if not rows:
        return []
    ts = now()
    expires = [ts + timedelta(seconds=job.lease) for job in jobs]
    result = tx.conn.execute(
        _CLAIM,
        [
            {"tid": row.id, "agent": job.agent_ref, "expires": until, "ts": ts}
            for job, row, until in zip(jobs, rows, expires, strict=True)
        ],
    )
    if tx.conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise RuntimeError("a batch of claims changed fewer rows than it chose")  # the group writer retries
    audit.record_many(
        tx,
        [_claim_entry(job.actor, row, job.agent_ref, job.lease) for job, row in zip(jobs, rows, strict=True)],
    )
    tag_names = task_core.tag_map(tx.conn, [row.id for row in rows]) if has_tags else {}
    return [
        _claimed(tx, row, job.agent_ref, until, ts, tag_names.get(row.id, []))
        for job, row, until in zip(jobs, rows, expires, strict=True)
    ]


def _claim_entry(actor: Actor, row, agent_ref: str, lease: int) -> tuple:
    """A claim's audit entry (audit.record_many), one or a batch's worth."""
    detail = {"agent_ref": agent_ref, "lease_seconds": lease}
    return (
        actor,
        "task.claim",
        {**audit.about("task", row), "changed_fields": ["status", "assignee"], "detail": detail},
    )


def _claimed(tx: Tx, row, agent_ref: str, expires, ts, tag_names: list[str]) -> dict:
    """A claim's answer and its event, from the row as read and the columns the claim set (no read back)."""
    fresh = {
        **row._mapping,
        "status": "in_progress",
        "assignee": agent_ref,
        "claimed_by": agent_ref,
        "lease_expires_at": expires,
        "version": row.version + 1,
        "updated_at": ts,
    }
    out = task_core.to_dict(SimpleNamespace(**fresh), tag_names)
    tx.publish(row.project_id, "task.updated", task=out, changed=["status", "assignee"])
    return {"claimed": True, "task": out, "lease_expires_at": iso(expires)}


def _claim_tagged(tx: Tx, job: _ClaimJob, project_id: str, gid, scoped: bool) -> dict:
    """The rare claim within tags: read the tagged head, then claim the first that is still free."""
    ids = [
        i
        for i, _ in ready_queue.head(
            tx.conn,
            project_id,
            goal_id=gid,
            scoped=scoped,
            tags_any=job.tags_any,
            ready=True,
            limit=CLAIM_WINDOW,
        )
    ]
    for tid in ids:
        try:
            return _claim_row(
                tx, job.actor, task_core.load(tx.conn, job.actor, tid), job.agent_ref, job.lease
            )
        except (Conflict, NotFound):
            continue
    if ids:
        return {"claimed": False, "task": None, "reason": "contention"}
    return {
        "claimed": False,
        "task": None,
        "reason": _nothing_ready(tx.conn, project_id, gid, scoped, job.tags_any),
    }


CLAIM_WINDOW = 64  # how far down a tagged frontier one claim_next looks


def _holder_check(row, agent_ref: str | None, actor: Actor) -> None:
    if row.status != "in_progress":
        raise Conflict(f"task {row.id} is {row.status}; there is no claim to act on", field="task_id")
    if agent_ref is not None and row.claimed_by and row.claimed_by != agent_ref:
        raise Conflict(
            f"task {row.id} is held by {row.claimed_by}, not {agent_ref}",
            field="agent_ref",
            held_by=row.claimed_by,
        )


def renew_claim(db, actor: Actor, task_id: str, agent_ref: str | None = None, *, lease_seconds=None) -> dict:
    actor.require_write("renewing a claim")
    lease = _lease(lease_seconds)
    with db.write() as tx:
        row = task_core.load(tx.conn, actor, task_id)
        if task_core.lease_expired(row):
            raise Conflict(f"the lease on task {row.id} has expired; claim it again", field="task_id")
        _holder_check(row, agent_ref, actor)
        expires = now() + timedelta(seconds=lease)
        tx.conn.execute(update(tasks).where(tasks.c.id == row.id).values(lease_expires_at=expires))
        audit.record_item(tx, actor, "task.renew_claim", "task", row, detail={"lease_seconds": lease})
        return {"task_id": row.id, "claimed_by": row.claimed_by, "lease_expires_at": iso(expires)}


def extend_leases_for_run(tx: Tx, task_ids: list[str]) -> None:
    """Progress recorded on a run keeps its tasks' leases alive (never shortens one)."""
    if not task_ids:
        return
    rows = tx.conn.execute(
        select(tasks.c.id, tasks.c.lease_expires_at).where(
            tasks.c.id.in_(task_ids), tasks.c.status == "in_progress", tasks.c.lease_expires_at.is_not(None)
        )
    ).all()
    for r in rows:
        from plandesk.core.clock import aware

        current = aware(r.lease_expires_at)
        if current > now():
            tx.conn.execute(
                update(tasks)
                .where(tasks.c.id == r.id)
                .values(lease_expires_at=max(current, now() + timedelta(seconds=DEFAULT_LEASE_SECONDS)))
            )


def release_task(
    db, actor: Actor, task_id: str, agent_ref: str | None = None, *, reason: str | None = None
) -> dict:
    actor.require_write("releasing a task")
    reason = fields.text("reason", reason, max_len=vocab.MAX_REASON)
    with db.write() as tx:
        row = task_core.load(tx.conn, actor, task_id)
        _holder_check(row, agent_ref, actor)
        out = task_core.apply_update(
            tx, actor, row, {"status": "todo", "assignee": None}, expected=None, action="task.release"
        )
        if reason:
            audit.record_item(tx, actor, "task.release_reason", "task", row, detail={"reason": reason})
        return {"released": True, "task": out}


def prerequisite_depths(pre: dict[str, set[str]] | dict, ids: set[str]) -> dict[str, int]:
    """Each task's longest chain of prerequisites, walked with an explicit stack: a plan may be thousands of
    tasks deep, which recursion would turn into a RecursionError (or a raised limit inside a request)."""
    depth: dict[str, int] = {}
    on_path: set[str] = set()

    def prereqs(n: str) -> list[str]:
        return [p for p in pre.get(n, ()) if p in ids]

    for start in ids:
        if start in depth:
            continue
        stack = [(start, iter(prereqs(start)))]
        on_path.add(start)
        while stack:
            node, pending = stack[-1]
            nxt = next((p for p in pending if p not in depth and p not in on_path), None)
            if nxt is not None:
                on_path.add(nxt)
                stack.append((nxt, iter(prereqs(nxt))))
                continue
            stack.pop()
            on_path.discard(node)
            # A prerequisite still on the path closes a cycle (refused on write, possible in old data): it counts 0.
            depth[node] = max((1 + depth.get(p, 0) for p in prereqs(node)), default=0)
    return depth


def task_graph(db, actor: Actor, project_id: str, *, goal_id=None) -> dict:
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        q = select(tasks.c.id, tasks.c.label, tasks.c.status, tasks.c.goal_id).where(
            tasks.c.project_id == prow.id
        )
        if goal_id:
            q = q.where(tasks.c.goal_id == fields.ident("goal_id", goal_id))
        rows = conn.execute(q).all()
        pre = prerequisites(conn, prow.id)
    ids = {r.id for r in rows}
    status = {r.id: r.status for r in rows}
    depth = prerequisite_depths(pre, ids)
    nodes = []
    for r in rows:
        ps = sorted(p for p in pre.get(r.id, ()) if p in ids)
        nodes.append(
            {
                "id": r.id,
                "label": r.label,
                "status": r.status,
                "prerequisites": ps,
                "fan_in": len(ps),
                "depth": depth[r.id],
            }
        )
    cycles = find_cycles({k: v for k, v in pre.items() if k in ids})
    would_be_ready = [
        r.id
        for r in rows
        if r.status == "scope" and all(status.get(p) == "done" for p in pre.get(r.id, ()) if p in ids)
    ]
    return {
        "nodes": nodes,
        "roots": [n["id"] for n in nodes if not n["prerequisites"]],
        "cycles": cycles,
        "would_be_actionable_if_scope_released": would_be_ready,
    }


__all__ = ["InvalidArgument"]
