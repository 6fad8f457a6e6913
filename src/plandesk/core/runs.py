"""Agent runs: who ran what, linked to the tasks worked on, with typed events; progress keeps leases alive."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Unpack

from sqlalchemy import and_, func, insert, or_, select

from plandesk.core import audit, fields, graph, projects
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.core.errors import Conflict, InvalidArgument, NotFound
from plandesk.core.paging import Page, PageArgs, capped_count, check_limit
from plandesk.core.vocab import MAX_LABEL, RUN_EVENT_KINDS, RUN_STATUSES, RUN_TERMINAL
from plandesk.db.engine import Tx
from plandesk.db.schema import agent_run_events, agent_run_tasks, agent_runs, tasks

MAX_MESSAGE = 10_000
MAX_SUMMARY = 20_000
MAX_DATA_BYTES = 64_000
MAX_TASKS = 200
MAX_EVENTS_SHOWN = 1000


def to_dict(r, task_ids: list[str]) -> dict:
    end = aware(r.completed_at) or now()
    return {
        "id": r.id,
        "project_id": r.project_id,
        "label": r.label,
        "status": r.status,
        "summary": r.summary,
        "user_id": r.user_id,
        "token_id": r.token_id,
        "client_name": r.client_name,
        "started_at": iso(r.started_at),
        "completed_at": iso(r.completed_at),
        "duration_seconds": round(max(0.0, (end - aware(r.started_at)).total_seconds()), 3),
        "task_ids": task_ids,
    }


def event_dict(e) -> dict:
    return {
        "id": e.id,
        "run_id": e.run_id,
        "kind": e.kind,
        "message": e.message,
        "data": e.data,
        "created_at": iso(e.created_at),
    }


def load(conn, actor: Actor, run_id: str, *, for_update: bool = False):
    return projects.load_item(
        conn, actor, agent_runs, run_id, what="agent run", field="run_id", for_update=for_update
    )


def _task_ids(conn, run_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {r: [] for r in run_ids}
    if run_ids:
        for rid, tid in conn.execute(
            select(agent_run_tasks.c.run_id, agent_run_tasks.c.task_id)
            .where(agent_run_tasks.c.run_id.in_(run_ids))
            .order_by(agent_run_tasks.c.task_id)
        ):
            out[rid].append(tid)
    return out


def _clean_task_ids(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_TASKS:
        raise InvalidArgument(f"task_ids must be a list of at most {MAX_TASKS} task ids", field="task_ids")
    return list(dict.fromkeys(fields.ident("task_ids", v) for v in value))


def _link(tx: Tx, project_id: str, run_id: str, task_ids: list[str]) -> list[str]:
    """Link tasks of the run's project; returns the ids newly linked."""
    conn = tx.conn
    if not task_ids:
        return []
    found = set(
        conn.execute(
            select(tasks.c.id).where(tasks.c.project_id == project_id, tasks.c.id.in_(task_ids))
        ).scalars()
    )
    missing = [t for t in task_ids if t not in found]
    if missing:
        raise NotFound("task", missing[0], field="task_ids")
    have = set(
        conn.execute(select(agent_run_tasks.c.task_id).where(agent_run_tasks.c.run_id == run_id)).scalars()
    )
    new = [t for t in task_ids if t not in have]
    if new:
        conn.execute(insert(agent_run_tasks), [{"run_id": run_id, "task_id": t} for t in new])
    return new


def _detail(conn, row) -> dict:
    out = to_dict(row, _task_ids(conn, [row.id])[row.id])
    count = conn.execute(
        select(func.count()).select_from(agent_run_events).where(agent_run_events.c.run_id == row.id)
    ).scalar_one()
    latest = conn.execute(
        select(agent_run_events)
        .where(agent_run_events.c.run_id == row.id)
        .order_by(agent_run_events.c.created_at.desc(), agent_run_events.c.id.desc())
        .limit(MAX_EVENTS_SHOWN)
    ).all()
    out["events"] = [event_dict(e) for e in reversed(latest)]
    out["event_count"] = count
    out["events_truncated"] = count > len(latest)
    return out


def start_agent_run(
    db, actor: Actor, project_id: str, label: str | None = None, task_ids: list[str] | None = None
) -> dict:
    """Open a run recording who runs it (user, token, client); optionally linked to tasks."""
    actor.require_write("starting an agent run")
    label = (
        fields.text("label", label, max_len=MAX_LABEL, strip=True)
        or f"Run by {actor.client_name or actor.name}"
    )
    ids = _clean_task_ids(task_ids)
    with db.write() as tx:
        prow = projects.load(tx.conn, actor, project_id)
        rid = new_id()
        tx.conn.execute(
            agent_runs.insert().values(
                id=rid,
                project_id=prow.id,
                label=label,
                status="running",
                user_id=actor.user_id,
                token_id=actor.token_id,
                client_name=actor.client_name,
                started_at=now(),
            )
        )
        _link(tx, prow.id, rid, ids)
        row = load(tx.conn, actor, rid)
        audit.record_item(
            tx, actor.with_run(rid), "run.start", "agent_run", row, detail={"label": label, "task_ids": ids}
        )
        out = _detail(tx.conn, row)
        tx.publish(
            prow.id,
            "agent_run.created",
            run={"id": rid, "label": label[:200], "status": "running", "started_at": out["started_at"]},
        )
        return out


def record_agent_progress(
    db, actor: Actor, run_id: str, message: str, kind: str = "progress", data: dict | None = None
) -> dict:
    """Append an event to a running run; the leases of the run's in-progress tasks are extended."""
    actor.require_write("recording progress")
    message = fields.required_text("message", message, max_len=MAX_MESSAGE)
    kind = fields.choice("kind", kind, RUN_EVENT_KINDS, required=True)
    if data is not None:
        if not isinstance(data, dict):
            raise InvalidArgument("data must be an object", field="data")
        try:
            size = len(json.dumps(data, allow_nan=False))  # PostgreSQL's json type has no NaN
        except (TypeError, ValueError):
            raise InvalidArgument("data must be plain JSON", field="data") from None
        if size > MAX_DATA_BYTES:
            raise InvalidArgument(
                f"data is {size} bytes of JSON; the limit is {MAX_DATA_BYTES}", field="data"
            )
    with db.write() as tx:
        row = load(tx.conn, actor, run_id, for_update=True)
        if row.status != "running":
            raise Conflict(
                f"run is {row.status}; start a new run to record more",
                field="run_id",
                current_status=row.status,
            )
        eid = new_id()
        tx.conn.execute(
            agent_run_events.insert().values(
                id=eid, run_id=row.id, kind=kind, message=message, data=data, created_at=now()
            )
        )
        graph.extend_leases_for_run(tx, _task_ids(tx.conn, [row.id])[row.id])
        audit.record_item(tx, actor.with_run(row.id), "run.progress", "agent_run", row, detail={"kind": kind})
        event = event_dict(
            tx.conn.execute(select(agent_run_events).where(agent_run_events.c.id == eid)).first()
        )
        tx.publish(
            row.project_id,
            "agent_run.updated",
            run_id=row.id,
            event={**event, "message": message[:500], "data": None},
        )
        return {"run_id": row.id, "status": row.status, "event": event}


def link_run_tasks(db, actor: Actor, run_id: str, task_ids: list[str]) -> dict:
    actor.require_write("linking tasks to a run")
    ids = _clean_task_ids(task_ids)
    if not ids:
        raise InvalidArgument("task_ids must name at least one task", field="task_ids")
    with db.write() as tx:
        row = load(tx.conn, actor, run_id)
        new = _link(tx, row.project_id, row.id, ids)
        if new:
            audit.record_item(
                tx, actor.with_run(row.id), "run.link_tasks", "agent_run", row, detail={"task_ids": new}
            )
            tx.publish(row.project_id, "agent_run.updated", run_id=row.id, task_ids=new)
        return to_dict(row, _task_ids(tx.conn, [row.id])[row.id])


def complete_agent_run(
    db, actor: Actor, run_id: str, status: str = "completed", summary: str | None = None
) -> dict:
    actor.require_write("completing an agent run")
    status = fields.choice("status", status, RUN_TERMINAL, required=True)
    summary = fields.text("summary", summary, max_len=MAX_SUMMARY) or None
    with db.write() as tx:
        row = load(tx.conn, actor, run_id, for_update=True)
        if row.status != "running":
            raise Conflict(f"run is already {row.status}", field="run_id", current_status=row.status)
        result = tx.conn.execute(
            agent_runs.update()
            .where(agent_runs.c.id == row.id, agent_runs.c.status == "running")
            .values(status=status, summary=summary, completed_at=now())
        )
        if result.rowcount != 1:
            raise Conflict("run was completed by someone else at the same moment", field="run_id")
        audit.record_item(
            tx,
            actor.with_run(row.id),
            f"run.{status}",
            "agent_run",
            row,
            changed_fields=["status", "summary"],
        )
        out = _detail(tx.conn, load(tx.conn, actor, row.id))
        tx.publish(row.project_id, "agent_run.updated", run_id=row.id, status=status)
        return out


def get_agent_run(db, actor: Actor, run_id: str) -> dict:
    with db.read() as conn:
        return _detail(conn, load(conn, actor, run_id))


def _cursor(value: str) -> tuple[datetime, str]:
    try:
        started, rid = json.loads(base64.urlsafe_b64decode(value.encode() + b"==").decode())
        return datetime.fromisoformat(started), str(rid)
    except (ValueError, TypeError):  # bad base64, JSON, shape or date all mean the same to the caller
        raise InvalidArgument("cursor is not one this server handed out", field="cursor") from None


def list_agent_runs(
    db,
    actor: Actor,
    project_id: str,
    status: str | None = None,
    **paging: Unpack[PageArgs],
) -> Page:
    """Runs newest first (keyset on started_at, id), each with its task ids, event count and last event."""
    fields.choice("status", status, RUN_STATUSES)
    limit, cursor = check_limit(paging.get("limit")), paging.get("cursor")
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        q = select(agent_runs).where(agent_runs.c.project_id == prow.id)
        if status:
            q = q.where(agent_runs.c.status == status)
        total = capped_count(conn, q)
        if cursor:
            started, rid = _cursor(cursor)
            q = q.where(
                or_(
                    agent_runs.c.started_at < started,
                    and_(agent_runs.c.started_at == started, agent_runs.c.id < rid),
                )
            )
        rows = conn.execute(
            q.order_by(agent_runs.c.started_at.desc(), agent_runs.c.id.desc()).limit(limit + 1)
        ).all()
        shown = rows[:limit]
        ids = [r.id for r in shown]
        links = _task_ids(conn, ids)
        counts = (
            dict(
                conn.execute(
                    select(agent_run_events.c.run_id, func.count())
                    .where(agent_run_events.c.run_id.in_(ids))
                    .group_by(agent_run_events.c.run_id)
                ).all()
            )
            if ids
            else {}
        )
        items = []
        for r in shown:
            item = to_dict(r, links[r.id])
            last = conn.execute(
                select(agent_run_events.c.message, agent_run_events.c.created_at)
                .where(agent_run_events.c.run_id == r.id)
                .order_by(agent_run_events.c.created_at.desc(), agent_run_events.c.id.desc())
                .limit(1)
            ).first()
            item["event_count"] = counts.get(r.id, 0)
            item["last_event"] = (
                {"message": last.message[:500], "created_at": iso(last.created_at)} if last else None
            )
            items.append(item)
        next_cursor = None
        if len(rows) > limit:
            last_row = shown[-1]
            next_cursor = (
                base64.urlsafe_b64encode(json.dumps([str(last_row.started_at), last_row.id]).encode())
                .decode()
                .rstrip("=")
            )
        return {"items": items, "total": total, "next_cursor": next_cursor}
