"""Projects: create, read, update, delete; a summary of task counts per status."""

from __future__ import annotations

from typing import Any, Unpack

from sqlalchemy import bindparam, func, select

from plandesk.core import audit, fields, vocab
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import Conflict, InvalidArgument, NotFound
from plandesk.core.paging import Page, PageArgs, page
from plandesk.core.vocab import MAX_BODY, MAX_NAME, TASK_STATUSES
from plandesk.db.engine import Tx
from plandesk.db.schema import goals, projects, tasks

EDITABLE = ("name", "description", "repo_path", "repo_url", "current_goal_id", "canvas_layout")


def to_dict(r) -> dict:
    return {
        "id": r.id,
        "name": r.name,
        "description": r.description or "",
        "repo_path": r.repo_path,
        "repo_url": r.repo_url,
        "current_goal_id": r.current_goal_id,
        "canvas_layout": r.canvas_layout,
        "version": r.version,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }


def _clean(data: dict, *, creating: bool) -> dict:
    fields.reject_unknown(data, EDITABLE + ("version",))
    out: dict[str, Any] = {}
    if creating or "name" in data:
        out["name"] = fields.required_text("name", data.get("name"), max_len=MAX_NAME, strip=True)
    if "description" in data:
        out["description"] = fields.text("description", data["description"], max_len=MAX_BODY) or ""
    for key in ("repo_path", "repo_url"):
        if key in data:
            out[key] = fields.text(key, data[key], max_len=vocab.MAX_REASON)
    if "current_goal_id" in data:
        out["current_goal_id"] = fields.ident("current_goal_id", data["current_goal_id"], required=False)
    if "canvas_layout" in data:
        if data["canvas_layout"] is not None and not isinstance(data["canvas_layout"], dict):
            raise InvalidArgument("canvas_layout must be an object", field="canvas_layout")
        out["canvas_layout"] = data["canvas_layout"]
    return out


def load(conn, actor: Actor, project_id: str):
    project_id = fields.ident("project_id", project_id)
    actor.require_visible(project_id)
    row = conn.execute(_LOAD, {"project_id": project_id}).first()
    if row is None:
        raise NotFound("project", project_id)
    return row


_LOAD = select(projects).where(projects.c.id == bindparam("project_id"))  # built once: every write loads one


def load_item(conn, actor: Actor, table, item_id: str, *, what: str, field: str, for_update: bool = False):
    """A row of a table whose rows belong to a project (tasks, documents, notes, goals, runs, trash items),
    if the actor sees that project; else NotFound(what). `for_update` locks it on PostgreSQL."""
    item_id = fields.ident(field, item_id)
    q = select(table).where(table.c.id == item_id)
    if for_update and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None or not actor.sees(row.project_id):
        raise NotFound(what, item_id)
    return row


def update_item(conn, table, row, values: dict, *, what: str) -> None:
    """Write `values` to a versioned row only if it is still at the version `row` was read at (the version
    goes up by one); a writer that got there first makes this a Conflict, and nothing is overwritten."""
    result = conn.execute(
        table.update()
        .where(table.c.id == row.id, table.c.version == row.version)
        .values(**values, version=row.version + 1, updated_at=now())
    )
    if result.rowcount != 1:
        raise Conflict(
            f"{what} was changed by someone else at the same moment; re-read it and retry", field="version"
        )


def insert(tx: Tx, actor: Actor, data: dict) -> dict:
    values = _clean(data, creating=True)
    ts = now()
    pid = new_id()
    values.setdefault("description", "")
    tx.conn.execute(projects.insert().values(id=pid, version=1, created_at=ts, updated_at=ts, **values))
    audit.record(
        tx,
        actor,
        "project.create",
        project_id=pid,
        target_type="project",
        target_id=pid,
        changed_fields=sorted(values),
    )
    return to_dict(tx.conn.execute(select(projects).where(projects.c.id == pid)).first())


def create_project(db, actor: Actor, data: dict) -> dict:
    actor.require_write("creating a project")
    if actor.project_ids is not None:
        from plandesk.core.errors import Forbidden

        raise Forbidden(
            "this token is limited to specific projects and cannot create new ones", permission="write"
        )
    with db.write() as tx:
        return insert(tx, actor, data)


def get_project(db, actor: Actor, project_id: str) -> dict:
    with db.read() as conn:
        row = load(conn, actor, project_id)
        counts = dict(
            conn.execute(
                select(tasks.c.status, func.count())
                .where(tasks.c.project_id == row.id)
                .group_by(tasks.c.status)
            ).all()
        )
    out = to_dict(row)
    out["summary"] = {s: counts.get(s, 0) for s in TASK_STATUSES}
    out["summary"]["total"] = sum(counts.values())
    return out


def list_projects(db, actor: Actor, **paging: Unpack[PageArgs]) -> Page:
    q = select(projects)
    if actor.project_ids is not None:
        q = q.where(projects.c.id.in_(sorted(actor.project_ids)))
    with db.read() as conn:
        return page(conn, q, projects, to_dict, order="name", **paging)


def update_project(db, actor: Actor, project_id: str, data: dict) -> dict:
    actor.require_write("updating a project")
    expected = fields.expect_version("version", data.get("version"))
    values = _clean(data, creating=False)
    with db.write() as tx:
        row = load(tx.conn, actor, project_id)
        fields.require_version("project", expected, row.version)
        if values.get("current_goal_id"):
            g = tx.conn.execute(
                select(goals.c.id).where(
                    goals.c.id == values["current_goal_id"], goals.c.project_id == row.id
                )
            ).first()
            if g is None:
                raise NotFound("goal", values["current_goal_id"])
        if values:
            tx.conn.execute(
                projects.update()
                .where(projects.c.id == row.id)
                .values(**values, version=row.version + 1, updated_at=now())
            )
            audit.record(
                tx,
                actor,
                "project.update",
                project_id=row.id,
                target_type="project",
                target_id=row.id,
                changed_fields=sorted(values),
            )
            tx.publish(row.id, "project.updated", id=row.id)
        return to_dict(tx.conn.execute(select(projects).where(projects.c.id == row.id)).first())


def delete_project(db, actor: Actor, project_id: str) -> None:
    actor.require_write("deleting a project")
    actor.require_role("owner", "admin", "member", what="deleting a project")
    with db.write() as tx:
        row = load(tx.conn, actor, project_id)
        from plandesk.db.schema import search_entries

        tx.conn.execute(search_entries.delete().where(search_entries.c.project_id == row.id))
        tx.conn.execute(projects.delete().where(projects.c.id == row.id))
        audit.record(
            tx,
            actor,
            "project.delete",
            project_id=row.id,
            target_type="project",
            target_id=row.id,
            detail={"name": row.name},
        )
