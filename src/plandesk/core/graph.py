"""The plan as a graph: prerequisites, the ready frontier, cycles, claims with leases."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, select, update

from plandesk.core import audit, claim_refusals, dependencies, fields, projects
from plandesk.core import tasks as task_core
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, now
from plandesk.core.errors import Conflict, InvalidArgument, NotFound
from plandesk.core.vocab import DEFAULT_LEASE_SECONDS, DEPENDENCY_LABELS, MAX_LEASE_SECONDS
from plandesk.db.engine import Tx
from plandesk.db.schema import goals, tasks


def orient(label: str, from_id: str, to_id: str) -> tuple[str, str]:
    """(prerequisite, dependent) for a dependency edge: depends_on reads the other way round."""
    return (to_id, from_id) if label == "depends_on" else (from_id, to_id)


def prerequisites(conn, project_id: str) -> dict[str, set[str]]:
    from plandesk.db.schema import edges
    rows = conn.execute(select(edges.c.from_id, edges.c.to_id, edges.c.label).where(
        edges.c.project_id == project_id, edges.c.from_type == "task", edges.c.to_type == "task",
        edges.c.label.in_(DEPENDENCY_LABELS))).all()
    pre: dict[str, set[str]] = defaultdict(set)
    for f, t, label in rows:
        p, d = orient(label, f, t)
        pre[d].add(p)
    return pre


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


def _resolve_goal(conn, prow, goal_id, goal_name) -> tuple[str | None, bool, dict | None]:
    """(goal id or None, scoped?, reason when nothing can be chosen)."""
    if goal_id is not None:
        gid = fields.ident("goal_id", goal_id)
        if conn.execute(select(goals.c.id).where(goals.c.id == gid, goals.c.project_id == prow.id)).first() is None:
            raise NotFound("goal", gid, field="goal_id")
        return gid, True, None
    if goal_name is not None:
        g = conn.execute(select(goals.c.id).where(goals.c.project_id == prow.id, goals.c.name == goal_name)).first()
        if g is None:
            raise NotFound("goal", goal_name, field="goal")
        return g.id, True, None
    if prow.current_goal_id:
        return prow.current_goal_id, True, None
    active = conn.execute(select(goals.c.id, goals.c.name).where(goals.c.project_id == prow.id,
                                                                goals.c.status == "active")).all()
    if len(active) == 1:
        return active[0].id, True, None
    if len(active) > 1:
        return None, True, {"reason": "ambiguous_goal",
                            "ambiguous_goals": [{"id": g.id, "name": g.name} for g in active]}
    return None, False, None


def frontier(conn, actor: Actor, project_id: str, *, goal_id=None, goal=None, tags_any=None,
             limit_blocked: int = 50) -> dict:
    prow = projects.load(conn, actor, project_id)
    gid, scoped, problem = _resolve_goal(conn, prow, goal_id, goal)
    if problem:
        return {"next_task": None, "ready": [], "blocked": [], **problem}
    # Todo tasks in scope, in frontier order, each flagged blocked or not in SQL; what the blocked ones wait
    # on is read only for those shown. The cost follows the todo tasks, not the size of the project.
    in_scope = dependencies.todo_in_order(conn, prow.id, goal_id=gid, scoped=scoped)
    if tags_any:
        from plandesk.db.schema import tags, task_tags
        tagged = {t for (t,) in conn.execute(select(task_tags.c.task_id).join(tags, tags.c.id == task_tags.c.tag_id)
                                             .where(tags.c.project_id == prow.id, tags.c.name.in_(tags_any)))}
        in_scope = [r for r in in_scope if r[0] in tagged]
    ready = [task_id for task_id, _label, is_blocked in in_scope if not is_blocked]
    held = [(task_id, label) for task_id, label, is_blocked in in_scope if is_blocked]
    shown = held[:limit_blocked]
    waiting = dependencies.unfinished_prerequisites(conn, prow.id, [task_id for task_id, _ in shown])
    blocked = [{"id": task_id, "label": label, "waiting_on": [
        {"id": p, "label": pre_label, "status": status}
        for p, pre_label, status in sorted(set(waiting.get(task_id, ())))]} for task_id, label in shown]
    return {"goal_id": gid, "ready": ready, "blocked": blocked, "blocked_total": len(held),
            "next_task_id": ready[0] if ready else None}


def expire_leases(db, project_id: str | None = None) -> int:
    """Give tasks whose lease ran out back to todo. Cheap read first; write only when something expired."""
    t = now()
    cond = and_(tasks.c.status == "in_progress", tasks.c.lease_expires_at.is_not(None),
                tasks.c.lease_expires_at <= t)
    if project_id:
        cond = and_(cond, tasks.c.project_id == project_id)
    with db.read() as conn:
        due = conn.execute(select(tasks.c.id).where(cond).limit(1)).first()
    if due is None:
        return 0
    with db.write() as tx:
        rows = tx.conn.execute(select(tasks.c.id, tasks.c.project_id, tasks.c.claimed_by).where(cond)).all()
        for r in rows:
            tx.conn.execute(update(tasks).where(tasks.c.id == r.id, cond).values(
                status="todo", assignee=None, claimed_by=None, lease_expires_at=None,
                version=tasks.c.version + 1, updated_at=now()))
            audit.record(tx, _SYSTEM, "task.lease_expired", project_id=r.project_id, target_type="task",
                         target_id=r.id, detail={"claimed_by": r.claimed_by})
            tx.publish(r.project_id, "task.updated", task={"id": r.id, "status": "todo"}, changed=["status"])
        return len(rows)


_SYSTEM = Actor(user_id="system", name="plandesk (lease expiry)", role="owner")


def get_next_task(db, actor: Actor, project_id: str, *, goal_id=None, goal=None, tags_any=None,
                  verbose: bool = False) -> dict:
    expire_leases(db, fields.ident("project_id", project_id))
    with db.read() as conn:
        f = frontier(conn, actor, project_id, goal_id=goal_id, goal=goal, tags_any=tags_any)
        nxt = None
        if f.get("next_task_id"):
            row = task_core.load(conn, actor, f["next_task_id"])
            nxt = task_core.to_dict(row, task_core.tag_map(conn, [row.id])[row.id], verbose=verbose)
    out = {"next_task": nxt, "blocked": f["blocked"], "blocked_total": f.get("blocked_total", 0),
           "ready_count": len(f["ready"]), "goal_id": f.get("goal_id")}
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
    agent_ref = fields.text("agent_ref", agent_ref, max_len=200, required=True, strip=True)
    lease = _lease(lease_seconds)
    task_id = fields.ident("task_id", task_id)
    expire_leases(db)
    with db.write() as tx:
        return _claim_row(tx, actor, task_core.load(tx.conn, actor, task_id), agent_ref, lease)


def _claim_row(tx: Tx, actor: Actor, row, agent_ref: str, lease: int) -> dict:
    """Claim one loaded task inside the caller's write transaction; Conflict, with nothing written, if it
    is not todo, is blocked, or another writer took it first."""
    if row.status != "todo":
        raise _taken(row)
    pre = dependencies.prerequisites_of(tx.conn, row.project_id, row.id)
    if pre:
        st = dict(tx.conn.execute(select(tasks.c.id, tasks.c.status).where(tasks.c.id.in_(pre))).all())
        waiting = sorted(p for p in pre if st.get(p) != "done")
        if waiting:
            raise claim_refusals.blocked(row.id, waiting)
    expires = now() + timedelta(seconds=lease)
    result = tx.conn.execute(update(tasks).where(tasks.c.id == row.id, tasks.c.status == "todo").values(
        status="in_progress", assignee=agent_ref, claimed_by=agent_ref, lease_expires_at=expires,
        version=tasks.c.version + 1, updated_at=now()))
    if result.rowcount != 1:
        raise _taken(task_core.load(tx.conn, actor, row.id))
    audit.record(tx, actor, "task.claim", project_id=row.project_id, target_type="task", target_id=row.id,
                 changed_fields=["status", "assignee"], detail={"agent_ref": agent_ref, "lease_seconds": lease})
    fresh = task_core.load(tx.conn, actor, row.id)
    out = task_core.to_dict(fresh, task_core.tag_map(tx.conn, [row.id])[row.id])
    tx.publish(row.project_id, "task.updated", task=out, changed=["status", "assignee"])
    return {"claimed": True, "task": out, "lease_expires_at": iso(expires)}


def _taken(row) -> Conflict:
    if row.status == "in_progress":
        return claim_refusals.held(row.id, row.claimed_by or row.assignee, iso(row.lease_expires_at))
    return claim_refusals.not_todo(row.id, row.status)


CLAIM_WINDOW = 64  # how far down the frontier one claim_next looks before reading it again


def claim_next_task(db, actor: Actor, project_id: str, agent_ref: str, *, lease_seconds=None, goal_id=None,
                    tags_any=None, attempts: int = 8) -> dict:
    """Take the next ready task: read the frontier, claim, and on a lost race try the next one."""
    actor.require_write("claiming a task")  # also when nothing is ready: a viewer learns nothing by trying
    agent_ref = fields.text("agent_ref", agent_ref, max_len=200, required=True, strip=True)
    lease = _lease(lease_seconds)
    for _ in range(attempts):
        expire_leases(db, fields.ident("project_id", project_id))
        with db.read() as conn:
            f = frontier(conn, actor, project_id, goal_id=goal_id, tags_any=tags_any)
        if not f["ready"]:
            return {"claimed": False, "task": None, "reason": f.get("reason") or (
                "all_blocked" if f["blocked"] else "no_todo_tasks")}
        # Agents that read the same frontier walk its head in one write transaction each, skipping what
        # others took meanwhile: one transaction per claim, not one failed transaction per lost race.
        with db.write() as tx:
            for tid in f["ready"][:CLAIM_WINDOW]:
                try:
                    return _claim_row(tx, actor, task_core.load(tx.conn, actor, tid), agent_ref, lease)
                except (Conflict, NotFound):
                    continue
    return {"claimed": False, "task": None, "reason": "contention"}


def _holder_check(row, agent_ref: str | None, actor: Actor) -> None:
    if row.status != "in_progress":
        raise Conflict(f"task {row.id} is {row.status}; there is no claim to act on", field="task_id")
    if agent_ref is not None and row.claimed_by and row.claimed_by != agent_ref:
        raise Conflict(f"task {row.id} is held by {row.claimed_by}, not {agent_ref}", field="agent_ref",
                       held_by=row.claimed_by)


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
        audit.record(tx, actor, "task.renew_claim", project_id=row.project_id, target_type="task",
                     target_id=row.id, detail={"lease_seconds": lease})
        return {"task_id": row.id, "claimed_by": row.claimed_by, "lease_expires_at": iso(expires)}


def extend_leases_for_run(tx: Tx, task_ids: list[str]) -> None:
    """Progress recorded on a run keeps its tasks' leases alive (never shortens one)."""
    if not task_ids:
        return
    rows = tx.conn.execute(select(tasks.c.id, tasks.c.lease_expires_at).where(
        tasks.c.id.in_(task_ids), tasks.c.status == "in_progress", tasks.c.lease_expires_at.is_not(None))).all()
    for r in rows:
        from plandesk.core.clock import aware
        current = aware(r.lease_expires_at)
        if current > now():
            tx.conn.execute(update(tasks).where(tasks.c.id == r.id).values(
                lease_expires_at=max(current, now() + timedelta(seconds=DEFAULT_LEASE_SECONDS))))


def release_task(db, actor: Actor, task_id: str, agent_ref: str | None = None, *, reason: str | None = None) -> dict:
    actor.require_write("releasing a task")
    reason = fields.text("reason", reason, max_len=2000)
    with db.write() as tx:
        row = task_core.load(tx.conn, actor, task_id)
        _holder_check(row, agent_ref, actor)
        out = task_core.apply_update(tx, actor, row, {"status": "todo", "assignee": None}, expected=None,
                                     action="task.release")
        if reason:
            audit.record(tx, actor, "task.release_reason", project_id=row.project_id, target_type="task",
                         target_id=row.id, detail={"reason": reason})
        return {"released": True, "task": out}


def task_graph(db, actor: Actor, project_id: str, *, goal_id=None) -> dict:
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        q = select(tasks.c.id, tasks.c.label, tasks.c.status, tasks.c.goal_id).where(tasks.c.project_id == prow.id)
        if goal_id:
            q = q.where(tasks.c.goal_id == fields.ident("goal_id", goal_id))
        rows = conn.execute(q).all()
        pre = prerequisites(conn, prow.id)
    ids = {r.id for r in rows}
    status = {r.id: r.status for r in rows}
    depth: dict[str, int] = {}

    def depth_of(n: str, seen: frozenset = frozenset()) -> int:
        if n in depth:
            return depth[n]
        if n in seen:
            return 0
        ps = [p for p in pre.get(n, ()) if p in ids]
        d = 0 if not ps else 1 + max(depth_of(p, seen | {n}) for p in ps)
        depth[n] = d
        return d

    import sys
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    nodes = []
    for r in rows:
        ps = sorted(p for p in pre.get(r.id, ()) if p in ids)
        nodes.append({"id": r.id, "label": r.label, "status": r.status, "prerequisites": ps,
                      "fan_in": len(ps), "depth": depth_of(r.id)})
    cycles = find_cycles({k: v for k, v in pre.items() if k in ids})
    would_be_ready = [r.id for r in rows if r.status == "scope" and all(
        status.get(p) == "done" for p in pre.get(r.id, ()) if p in ids)]
    return {"nodes": nodes, "roots": [n["id"] for n in nodes if not n["prerequisites"]], "cycles": cycles,
            "would_be_actionable_if_scope_released": would_be_ready}


__all__ = ["InvalidArgument"]
