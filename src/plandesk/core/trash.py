"""Trash: a deleted task, document, note or goal kept 30 days as a JSON snapshot, restorable with its links and comments.

A snapshot rather than a soft-delete flag: tasks carry `waiting_count` kept by triggers, and the ready lists,
claims and every other query read the live tables; a flag would have to be respected by each of them. Deleting
still deletes; restoring re-inserts the rows in one transaction, so the triggers recount as for any insert.
History (revisions) is never deleted with an item, so it is there again once the item is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import DateTime, and_, delete, func, insert, or_, select, update

from plandesk.core import audit, projects
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.core.errors import Conflict, Forbidden, InvalidArgument
from plandesk.core.vocab import EDGE_ENDPOINT_TYPES
from plandesk.db import search
from plandesk.db.schema import (
    comments,
    documents,
    edges,
    goals,
    notes,
    tags,
    task_tags,
    tasks,
    trash_items,
)
from plandesk.db.schema import projects as project_table

log = logging.getLogger(__name__)
RETENTION = timedelta(days=30)
ITEM_TABLES = {"task": tasks, "document": documents, "note": notes, "goal": goals}
_ENDS = {"task": tasks, "document": documents, "note": notes, "goal": goals}
RESTORERS = ("owner", "admin", "member")


def _to_json(table, row) -> dict:
    m = row._mapping
    return {
        c.name: (iso(m[c.name]) if isinstance(m[c.name], datetime) else m[c.name])
        for c in table.columns
        if c.name in m
    }


def _from_json(table, data: dict) -> dict:
    out = {}
    for c in table.columns:
        if c.name in data:
            v = data[c.name]
            out[c.name] = (
                aware(datetime.fromisoformat(v)) if v is not None and isinstance(c.type, DateTime) else v
            )
    return out


def _touching(table_type: str, item_id: str, project_id: str):
    return and_(
        edges.c.project_id == project_id,
        or_(
            and_(edges.c.from_type == table_type, edges.c.from_id == item_id),
            and_(edges.c.to_type == table_type, edges.c.to_id == item_id),
        ),
    )


def detach(conn, item_type: str, row) -> int:
    """Delete what hangs off `row` and was snapshotted by put(): its links and its comments (with their search
    entries), so the item itself can be deleted next. Returns how many comments went."""
    if item_type in EDGE_ENDPOINT_TYPES:
        conn.execute(delete(edges).where(_touching(item_type, row.id, row.project_id)))
    gone = list(
        conn.execute(
            select(comments.c.id).where(comments.c.target_type == item_type, comments.c.target_id == row.id)
        ).scalars()
    )
    if gone:
        conn.execute(delete(comments).where(comments.c.id.in_(gone)))
        search.remove(conn, "comment", gone)
    return len(gone)


def remove(tx, actor: Actor, item_type: str, row, trash_id: str, detail: dict) -> None:
    """Delete the item itself once put() and detach() are done: its row and search entry, with the audit line
    (`<type>.delete`) and the live event (`<type>.deleted`, naming the trash item)."""
    table = ITEM_TABLES[item_type]
    tx.conn.execute(delete(table).where(table.c.id == row.id))
    search.remove(tx.conn, item_type, [row.id])
    audit.record_item(tx, actor, f"{item_type}.delete", item_type, row, detail=detail)
    tx.publish(row.project_id, f"{item_type}.deleted", id=row.id, trash_id=trash_id)


def put(tx, actor: Actor, item_type: str, row, title: str) -> str:
    """Snapshot `row` and what hangs off it into the trash, in the deleting transaction; call before deleting."""
    conn = tx.conn
    snap: dict = {"item": _to_json(ITEM_TABLES[item_type], row)}
    snap["edges"] = [
        _to_json(edges, e)
        for e in conn.execute(select(edges).where(_touching(item_type, row.id, row.project_id)))
    ]
    snap["comments"] = [
        _to_json(comments, c)
        for c in conn.execute(
            select(comments).where(comments.c.target_type == item_type, comments.c.target_id == row.id)
        )
    ]
    if item_type == "task":
        snap["tags"] = [
            {"id": t.id, "name": t.name, "color": t.color}
            for t in conn.execute(
                select(tags)
                .join(task_tags, task_tags.c.tag_id == tags.c.id)
                .where(task_tags.c.task_id == row.id)
            )
        ]
    if item_type == "document":  # its children move up to its parent on delete; restore puts them back
        snap["children"] = list(
            conn.execute(select(documents.c.id).where(documents.c.parent_id == row.id)).scalars()
        )
    if item_type == "goal":  # its tasks lose the goal on delete and get it back on restore
        snap["tasks"] = list(conn.execute(select(tasks.c.id).where(tasks.c.goal_id == row.id)).scalars())
        snap["current"] = (
            conn.execute(
                select(project_table.c.current_goal_id).where(project_table.c.id == row.project_id)
            ).scalar()
            == row.id
        )
    trash_id = new_id()
    conn.execute(
        insert(trash_items).values(
            id=trash_id,
            project_id=row.project_id,
            item_type=item_type,
            item_id=row.id,
            title=(title or "")[:500],
            snapshot=snap,
            deleted_by=actor.name,
            deleted_at=now(),
        )
    )
    tx.publish(row.project_id, "trash.changed")
    return trash_id


def to_dict(r) -> dict:
    snap = r.snapshot or {}
    deleted_at = aware(r.deleted_at)
    return {
        "id": r.id,
        "project_id": r.project_id,
        "item_type": r.item_type,
        "item_id": r.item_id,
        "title": r.title,
        "deleted_by": r.deleted_by,
        "deleted_at": iso(deleted_at),
        "purge_after": iso(deleted_at + RETENTION),
        "links": len(snap.get("edges", [])),
        "comments": len(snap.get("comments", [])),
    }


def list_trash(db, actor: Actor, project_id: str) -> dict:
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        rows = conn.execute(
            select(trash_items)
            .where(trash_items.c.project_id == prow.id)
            .order_by(trash_items.c.deleted_at.desc(), trash_items.c.id)
        ).all()
    items = [to_dict(r) for r in rows]
    return {"items": items, "total": len(items), "next_cursor": None}


def _require_person(actor: Actor, what: str) -> None:
    # Agents cannot delete, so they cannot undo or purge a deletion either: the trash is for people.
    if actor.token_id is not None:
        raise Forbidden(
            f"{what} is for people signed in to Plan Desk; tokens cannot use the trash", permission="role"
        )
    actor.require_write(what)
    actor.require_role(*RESTORERS, what=what)


def _load(conn, actor: Actor, trash_id: str, *, for_update: bool = False):
    return projects.load_item(
        conn, actor, trash_items, trash_id, what="trash item", field="trash_id", for_update=for_update
    )


def _record(tx, actor: Actor, action: str, row, detail: dict) -> None:
    """An entry about the item a trash record holds (not about the record): the activity log names it."""
    audit.record(
        tx,
        actor,
        action,
        project_id=row.project_id,
        target_type=row.item_type,
        target_id=row.item_id,
        detail=detail,
    )


def _exists(conn, table, item_id: str) -> bool:
    return conn.execute(select(table.c.id).where(table.c.id == item_id)).first() is not None


def restore(db, actor: Actor, trash_id: str) -> dict:
    """Put a trashed item back with its links, comments and tags; links whose other end is gone are skipped
    and named in the answer. Refuses with `conflict` when the item's id is in use again."""
    _require_person(actor, "restoring from the trash")
    with db.write() as tx:
        conn = tx.conn
        row = _load(conn, actor, trash_id, for_update=True)
        table = ITEM_TABLES[row.item_type]
        if _exists(conn, table, row.item_id):
            raise Conflict(
                f"a {row.item_type} with the id {row.item_id} exists again; it cannot be restored over it",
                id=row.item_id,
            )
        snap = row.snapshot
        values = _from_json(table, snap["item"])
        skipped: list[dict] = []
        if row.item_type == "goal" and values.get("name"):
            taken = conn.execute(
                select(goals.c.id).where(goals.c.project_id == row.project_id, goals.c.name == values["name"])
            ).first()
            if taken is not None:
                raise Conflict(
                    f"this project has another goal named {values['name']!r} now; rename that one first",
                    field="name",
                    id=taken.id,
                )
        if row.item_type == "task":
            values["waiting_count"] = 0  # the edge triggers count it again as the links go back in
            if values.get("goal_id") and not _exists(conn, goals, values["goal_id"]):
                skipped.append({"kind": "goal", "id": values["goal_id"]})
                values["goal_id"] = None
        if row.item_type == "document":
            from plandesk.db.schema import folders

            for key, ref in (("parent_id", documents), ("folder_id", folders)):
                if values.get(key) and not _exists(conn, ref, values[key]):
                    skipped.append({"kind": key.removesuffix("_id"), "id": values[key]})
                    values[key] = None
        conn.execute(insert(table).values(**values))
        if row.item_type == "goal":
            _restore_goal_links(tx, row, snap)
        else:  # goals are not in the search index
            title = values.get("label") or values.get("title") or ""
            body = values.get("description") if row.item_type == "task" else values.get("body")
            search.index(conn, row.item_type, row.item_id, row.project_id, title, body or "")
        if row.item_type == "task":
            _restore_tags(conn, row.project_id, row.item_id, snap.get("tags", []))
        if row.item_type == "document":  # children still where the delete moved them go back under it
            moved_to = snap["item"].get("parent_id")
            conn.execute(
                update(documents)
                .where(
                    documents.c.id.in_(snap.get("children") or []),
                    documents.c.project_id == row.project_id,
                    documents.c.parent_id.is_(None)
                    if moved_to is None
                    else documents.c.parent_id == moved_to,
                )
                .values(parent_id=row.item_id)
            )
        links = 0
        for e in snap.get("edges", []):
            other_type, other_id = (
                (e["to_type"], e["to_id"])
                if e["from_id"] == row.item_id and e["from_type"] == row.item_type
                else (e["from_type"], e["from_id"])
            )
            other = _ENDS.get(other_type)
            if (
                _exists(conn, edges, e["id"])
                or other is None
                or not (other_id == row.item_id or _exists(conn, other, other_id))
            ):
                skipped.append(
                    {
                        "kind": "link",
                        "id": e["id"],
                        "label": e["label"],
                        "other_type": other_type,
                        "other_id": other_id,
                    }
                )
                continue
            conn.execute(insert(edges).values(**_from_json(edges, e)))
            links += 1
        restored_comments = 0
        for c in snap.get("comments", []):
            if _exists(conn, comments, c["id"]):
                continue
            conn.execute(insert(comments).values(**_from_json(comments, c)))
            search.index(conn, "comment", c["id"], row.project_id, c.get("passage") or "", c["body"])
            restored_comments += 1
        conn.execute(delete(trash_items).where(trash_items.c.id == row.id))
        detail = {"title": row.title, "links": links, "comments": restored_comments, "skipped": skipped}
        _record(tx, actor, f"{row.item_type}.restore", row, detail)
        tx.publish(row.project_id, f"{row.item_type}.restored", id=row.item_id)
        tx.publish(row.project_id, "trash.changed")
    return {
        "item_type": row.item_type,
        "item_id": row.item_id,
        "project_id": row.project_id,
        "title": row.title,
        "links_restored": links,
        "comments_restored": restored_comments,
        "skipped": skipped,
    }


def _restore_goal_links(tx, row, snap: dict) -> None:
    # Tasks that were the goal's and have no goal now get it back; one given another goal meanwhile keeps it.
    conn = tx.conn
    if snap.get("tasks"):
        conn.execute(
            update(tasks)
            .where(
                tasks.c.id.in_(snap["tasks"]),
                tasks.c.project_id == row.project_id,
                tasks.c.goal_id.is_(None),
            )
            .values(goal_id=row.item_id, version=tasks.c.version + 1, updated_at=now())
        )
    if snap.get("current"):
        prow = conn.execute(select(project_table).where(project_table.c.id == row.project_id)).one()
        if prow.current_goal_id is None:
            conn.execute(
                update(project_table)
                .where(project_table.c.id == prow.id)
                .values(current_goal_id=row.item_id, version=prow.version + 1, updated_at=now())
            )
            tx.publish(prow.id, "project.updated", id=prow.id, changed=["current_goal_id"])


def _restore_tags(conn, project_id: str, task_id: str, saved: list[dict]) -> None:
    # A tag deleted meanwhile is made again by name: a tag is only a name and a colour.
    for t in saved:
        tag_id = conn.execute(
            select(tags.c.id).where(tags.c.project_id == project_id, tags.c.name == t["name"])
        ).scalar()
        if tag_id is None:
            tag_id = new_id()
            conn.execute(
                insert(tags).values(
                    id=tag_id, project_id=project_id, name=t["name"], color=t["color"], created_at=now()
                )
            )
        conn.execute(insert(task_tags).values(task_id=task_id, tag_id=tag_id))


def purge_one(db, actor: Actor, trash_id: str) -> None:
    _require_person(actor, "purging the trash")
    with db.write() as tx:
        row = _load(tx.conn, actor, trash_id, for_update=True)
        tx.conn.execute(delete(trash_items).where(trash_items.c.id == row.id))
        _record(tx, actor, "trash.purge", row, {"title": row.title})
        tx.publish(row.project_id, "trash.changed")


def purge_project(db, actor: Actor, project_id: str, *, older_than_days: int | None = None) -> dict:
    """Empty a project's trash (or only what is older than `older_than_days`)."""
    _require_person(actor, "purging the trash")
    if older_than_days is not None and (
        isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or older_than_days < 0
    ):
        raise InvalidArgument(
            "older_than_days must be a whole number of days, 0 or more", field="older_than_days"
        )
    with db.write() as tx:
        prow = projects.load(tx.conn, actor, project_id)
        cond = trash_items.c.project_id == prow.id
        if older_than_days is not None:
            cond = and_(cond, trash_items.c.deleted_at < now() - timedelta(days=older_than_days))
        count = tx.conn.execute(delete(trash_items).where(cond)).rowcount
        audit.record(
            tx,
            actor,
            "trash.purge",
            project_id=prow.id,
            target_type="project",
            target_id=prow.id,
            detail={"purged": count, "older_than_days": older_than_days},
        )
        tx.publish(prow.id, "trash.changed")
    return {"purged": count}


def purge_expired(db) -> int:
    """The background sweep: drop everything past the 30-day retention, in every project. Cheap when empty
    (an indexed range on deleted_at)."""
    cutoff = now() - RETENTION
    with db.read() as conn:
        due = conn.execute(
            select(func.count()).select_from(trash_items).where(trash_items.c.deleted_at < cutoff)
        ).scalar()
    if not due:
        return 0
    with db.write() as tx:
        count = tx.conn.execute(delete(trash_items).where(trash_items.c.deleted_at < cutoff)).rowcount
        audit.record(
            tx,
            Actor(user_id="system", name="trash retention", role="owner", via="system"),
            "trash.purge",
            project_id=None,
            detail={"purged": count, "reason": "older than 30 days"},
        )
    return count


SWEEP_EVERY_SECONDS = 3600.0


@contextlib.asynccontextmanager
async def sweeping(db, every: float = SWEEP_EVERY_SECONDS):
    """App lifespan part: purge expired trash at start, then hourly (one indexed count when nothing is due)."""

    async def loop():
        while True:
            try:
                await asyncio.to_thread(purge_expired, db)
            except Exception:
                log.warning("trash sweep failed", exc_info=True)
            await asyncio.sleep(every)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
