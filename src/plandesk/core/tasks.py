"""Tasks: the nodes of a project's plan; fields, tags, versions, revisions and the search index."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Unpack

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from plandesk.core import audit, fields, projects, revisions, search_service, task_rules, vocab
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.core.errors import InvalidArgument, NotFound
from plandesk.core.paging import Page, PageArgs, cut_to_preview, page
from plandesk.core.vocab import MAX_BODY, MAX_LABEL, PRIORITIES, TASK_KINDS, TASK_STATUSES
from plandesk.db import search
from plandesk.db.engine import Tx
from plandesk.db.schema import goals, tags, task_tags, tasks

EDITABLE = (
    "label",
    "status",
    "kind",
    "priority",
    "description",
    "assignee",
    "due_date",
    "tags",
    "commit_refs",
    "x",
    "y",
    "goal_id",
)
SHA = re.compile(r"[0-9a-f]{7,40}")
TAG = re.compile(r"[\w][\w\-.:/ ]{0,62}", re.UNICODE)


def to_dict(r, tag_names: list[str] | None = None, *, verbose: bool = True) -> dict:
    out = {
        "id": r.id,
        "project_id": r.project_id,
        "goal_id": r.goal_id,
        "label": r.label,
        "status": r.status,
        "kind": r.kind,
        "priority": r.priority,
        "description": r.description or "",
        "assignee": r.assignee,
        "due_date": r.due_date,
        "tags": tag_names or [],
        "commit_refs": list(r.commit_refs or []),
        "x": r.x,
        "y": r.y,
        "claimed_by": r.claimed_by,
        "lease_expires_at": iso(r.lease_expires_at),
        "version": r.version,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }
    return cut_to_preview(out, "description", verbose=verbose, mark="…")


_TAGS_OF = (
    select(tags.c.name)
    .join(task_tags, tags.c.id == task_tags.c.tag_id)
    .where(task_tags.c.task_id == bindparam("tid"))
    .order_by(tags.c.name)
)


def tags_of(conn, task_id: str) -> list[str]:
    """One task's tag names in order: tag_map for one id, with a statement built once."""
    return list(conn.execute(_TAGS_OF, {"tid": task_id}).scalars())


def tag_map(conn, task_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {t: [] for t in task_ids}
    for chunk in range(0, len(task_ids), 500):
        ids = task_ids[chunk : chunk + 500]
        for tid, name in conn.execute(
            select(task_tags.c.task_id, tags.c.name)
            .join(tags, tags.c.id == task_tags.c.tag_id)
            .where(task_tags.c.task_id.in_(ids))
            .order_by(tags.c.name)
        ):
            out[tid].append(name)
    return out


def clean(data: dict, *, creating: bool) -> dict:
    fields.reject_unknown(data, EDITABLE + ("version",))
    out: dict = {}
    if creating or "label" in data:
        out["label"] = fields.required_text("label", data.get("label"), max_len=MAX_LABEL, strip=True)
    if "status" in data or creating:
        out["status"] = fields.choice("status", data.get("status", "todo"), TASK_STATUSES, required=True)
    if "kind" in data or creating:
        out["kind"] = fields.choice("kind", data.get("kind") or "build", TASK_KINDS, required=True)
    if "priority" in data:
        out["priority"] = fields.choice("priority", data["priority"], PRIORITIES)
    if "description" in data:
        out["description"] = fields.text("description", data["description"], max_len=MAX_BODY) or ""
    if "assignee" in data:
        out["assignee"] = fields.text("assignee", data["assignee"], max_len=vocab.MAX_AGENT_REF)
    if "due_date" in data:
        out["due_date"] = fields.iso_date("due_date", data["due_date"])
    if "tags" in data:
        out["tags"] = (
            fields.string_list(
                "tags", data["tags"], max_items=vocab.MAX_TAGS, max_len=vocab.MAX_TAG, pattern=TAG
            )
            or []
        )
    if "commit_refs" in data:
        out["commit_refs"] = (
            fields.string_list(
                "commit_refs",
                data["commit_refs"],
                max_items=vocab.MAX_TAGS,
                max_len=vocab.MAX_COMMIT_REF,
                pattern=SHA,
                lower=True,
            )
            or []
        )
    for axis in ("x", "y"):
        if axis in data:
            out[axis] = fields.number(axis, data[axis], minimum=-1e7, maximum=1e7) or 0.0
    if "goal_id" in data:
        out["goal_id"] = fields.ident("goal_id", data["goal_id"], required=False)
    return out


def load(conn, actor: Actor, task_id: str, *, for_update: bool = False):
    return projects.load_item(
        conn, actor, tasks, task_id, what="task", field="task_id", for_update=for_update
    )


def check_goal(conn, project_id: str, goal_id: str | None) -> None:
    if (
        goal_id
        and conn.execute(
            select(goals.c.id).where(goals.c.id == goal_id, goals.c.project_id == project_id)
        ).first()
        is None
    ):
        raise NotFound("goal", goal_id, field="goal_id")


def tag_ids(conn, project_id: str, names: list[str]) -> dict[str, str]:
    """The ids of the project's tags with these names, creating the ones that do not exist yet."""
    if not names:
        return {}
    existing = dict(
        conn.execute(
            select(tags.c.name, tags.c.id).where(tags.c.project_id == project_id, tags.c.name.in_(names))
        ).all()
    )
    missing = [name for name in names if name not in existing]
    if missing:
        # Two writers may add the same new tag at once (PostgreSQL runs them side by side): the second
        # insert yields to the first instead of failing on the unique name, then both read the winner's id.
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(tags)
        conn.execute(
            insert.on_conflict_do_nothing(index_elements=["project_id", "name"]),
            [{"id": new_id(), "project_id": project_id, "name": n, "created_at": now()} for n in missing],
        )
        existing.update(
            conn.execute(
                select(tags.c.name, tags.c.id).where(
                    tags.c.project_id == project_id, tags.c.name.in_(missing)
                )
            ).all()
        )
    return existing


def set_tags(tx: Tx, project_id: str, task_id: str, names: list[str]) -> None:
    conn = tx.conn
    existing = tag_ids(conn, project_id, names)
    conn.execute(delete(task_tags).where(task_tags.c.task_id == task_id))
    if names:
        conn.execute(task_tags.insert(), [{"task_id": task_id, "tag_id": existing[n]} for n in names])


def insert(tx: Tx, actor: Actor, project_id: str, data: dict, *, default_goal: bool = True) -> dict:
    values = clean(data, creating=True)
    tag_names = values.pop("tags", [])
    prow = projects.load(tx.conn, actor, project_id)
    if "goal_id" not in values and default_goal:
        values["goal_id"] = prow.current_goal_id
    check_goal(tx.conn, prow.id, values.get("goal_id"))
    ts = now()
    tid = new_id()
    values.setdefault("description", "")
    values.setdefault("commit_refs", [])
    changed = sorted([k for k in values if k not in ("x", "y")] + (["tags"] if tag_names else []))
    # Every column in every call, so the one prebuilt INSERT serves them all; the dict is also the row as
    # written, so nothing is read back.
    row = {**_NEW_TASK, **values, "id": tid, "project_id": prow.id, "created_at": ts, "updated_at": ts}
    tx.conn.execute(_INSERT_TASK, row)
    if tag_names:
        set_tags(tx, prow.id, tid, tag_names)
    search.index_many(tx.conn, [("task", tid, prow.id, values["label"], values["description"])])
    audit.record(
        tx,
        actor,
        "task.create",
        project_id=prow.id,
        target_type="task",
        target_id=tid,
        changed_fields=changed,
    )
    out = to_dict(SimpleNamespace(**row), tag_names)
    tx.publish(prow.id, "task.created", task=out)
    return out


_NEW_TASK = {
    "goal_id": None,
    "priority": None,
    "assignee": None,
    "due_date": None,
    "x": 0.0,
    "y": 0.0,
    "claimed_by": None,
    "lease_expires_at": None,
    "version": 1,
}
_INSERT_TASK = tasks.insert()


def create_task(db, actor: Actor, project_id: str, data: dict) -> dict:
    actor.require_write("creating a task")
    with db.write() as tx:
        return insert(tx, actor, project_id, data)


def get_task(db, actor: Actor, task_id: str) -> dict:
    with db.read() as conn:
        row = load(conn, actor, task_id)
        return to_dict(row, tag_map(conn, [row.id])[row.id])


def list_tasks(
    db,
    actor: Actor,
    project_id: str,
    *,
    status: list[str] | None = None,
    kind: str | None = None,
    priority: str | None = None,
    tags_any: list[str] | None = None,
    assignee: str | None = None,
    goal_id: str | None = None,
    verbose: bool = True,
    **paging: Unpack[PageArgs],
) -> Page:
    for s in status or []:
        fields.choice("status", s, TASK_STATUSES)
    fields.choice("kind", kind, TASK_KINDS)
    fields.choice("priority", priority, PRIORITIES)
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        q = select(tasks).where(tasks.c.project_id == prow.id)
        if status:
            q = q.where(tasks.c.status.in_(status))
        if kind:
            q = q.where(tasks.c.kind == kind)
        if priority:
            q = q.where(tasks.c.priority == priority)
        if assignee:
            q = q.where(tasks.c.assignee == assignee)
        if goal_id:
            q = q.where(tasks.c.goal_id == fields.ident("goal_id", goal_id))
        if tags_any:
            q = q.where(
                tasks.c.id.in_(
                    select(task_tags.c.task_id)
                    .join(tags, tags.c.id == task_tags.c.tag_id)
                    .where(tags.c.project_id == prow.id, tags.c.name.in_(tags_any))
                )
            )
        result = page(conn, q, tasks, lambda r: r, **paging)
        tmap = tag_map(conn, [r.id for r in result["items"]])
        result["items"] = [to_dict(r, tmap[r.id], verbose=verbose) for r in result["items"]]
        return result


def list_tags(db, actor: Actor, project_id: str) -> list[dict]:
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        rows = conn.execute(select(tags).where(tags.c.project_id == prow.id).order_by(tags.c.name)).all()
        return [{"id": r.id, "name": r.name, "color": r.color} for r in rows]


def apply_update(
    tx: Tx,
    actor: Actor,
    row,
    values: dict,
    *,
    expected: int | None,
    extra: dict | None = None,
    action: str = "task.update",
) -> dict:
    """Write a change with compare-and-set on version: a concurrent or stale writer gets conflict."""
    conn = tx.conn
    fields.require_version("task", expected, row.version)
    before_tags = tag_map(conn, [row.id])[row.id]
    new_tags = values.pop("tags", None)
    if "goal_id" in values:
        check_goal(conn, row.project_id, values["goal_id"])
    changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
    if "status" in changed:
        task_rules.check_move(conn, row, values["status"])
    if new_tags is not None and new_tags != before_tags:
        changed.append("tags")
    extra = dict(extra or {})
    if "status" in changed and values["status"] != "in_progress":
        extra.update(claimed_by=None, lease_expires_at=None)
    if not changed and not extra:
        return to_dict(row, before_tags)
    before = to_dict(row, before_tags)
    revisions.snapshot(tx, actor, "task", before, changed)
    upd = {k: values[k] for k in changed if k != "tags"}
    projects.update_item(conn, tasks, row, {**upd, **extra}, what="task")
    if new_tags is not None and "tags" in changed:
        set_tags(tx, row.project_id, row.id, new_tags)
    search_service.reindex_update(conn, "task", row, values, changed, title="label", body="description")
    audit.record_item(
        tx,
        actor,
        action,
        "task",
        row,
        changed_fields=changed or sorted(extra),
        detail=audit.field_changes(before, {**values, "tags": new_tags}, changed),
    )
    fresh = conn.execute(select(tasks).where(tasks.c.id == row.id)).first()
    out = to_dict(fresh, tag_map(conn, [row.id])[row.id])
    tx.publish(row.project_id, "task.updated", task=out, changed=changed)
    return out


def update_task(db, actor: Actor, task_id: str, data: dict) -> dict:
    actor.require_write("updating a task")
    expected = fields.expect_version("version", data.get("version"))
    values = clean(data, creating=False)
    with db.write() as tx:
        row = load(tx.conn, actor, task_id, for_update=True)
        return apply_update(tx, actor, row, values, expected=expected)


def delete_task(db, actor: Actor, task_id: str) -> str:
    """Delete a task into the trash (core/trash.py); returns the trash item's id."""
    from plandesk.core import trash

    actor.require_write("deleting a task")
    with db.write() as tx:
        row = load(tx.conn, actor, task_id, for_update=True)
        trash_id = trash.put(tx, actor, "task", row, row.label)
        revisions.snapshot(tx, actor, "task", to_dict(row, tag_map(tx.conn, [row.id])[row.id]), ["deleted"])
        trash.detach(tx.conn, "task", row)
        trash.remove(tx, actor, "task", row, trash_id, {"label": row.label})
    return trash_id


def lease_expired(row) -> bool:
    exp = aware(row.lease_expires_at)
    return row.status == "in_progress" and exp is not None and exp <= now()


__all__ = [
    "InvalidArgument",
    "create_task",
    "delete_task",
    "get_task",
    "list_tags",
    "list_tasks",
    "update_task",
]
