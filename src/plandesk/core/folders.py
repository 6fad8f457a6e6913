"""Folders: a nested, cycle-safe tree that files a project's documents; deleting one never orphans content."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from plandesk.core import audit, fields, projects
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import Conflict, InvalidArgument, NotFound, PlanDeskError
from plandesk.core.vocab import MAX_NAME
from plandesk.db.engine import Tx
from plandesk.db.schema import documents, folders

MAX_MOVE = 500


def to_dict(r) -> dict:
    return {
        "id": r.id,
        "project_id": r.project_id,
        "name": r.name,
        "parent_id": r.parent_id,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }


def _clean(data: dict, *, creating: bool) -> dict:
    if not isinstance(data, dict):
        raise InvalidArgument("the folder must be an object", field="data")
    fields.reject_unknown(data, ("name", "parent_id"))
    out: dict = {}
    if creating or "name" in data:
        out["name"] = fields.required_text("name", data.get("name"), max_len=MAX_NAME, strip=True)
    if "parent_id" in data:
        out["parent_id"] = fields.ident("parent_id", data["parent_id"], required=False)
    return out


def load(conn, actor: Actor, folder_id: str, *, field: str = "folder_id"):
    folder_id = fields.ident(field, folder_id)
    row = conn.execute(select(folders).where(folders.c.id == folder_id)).first()
    if row is None or not actor.sees(row.project_id):
        raise NotFound("folder", folder_id, field=field)
    return row


def _ancestors(conn, folder_id: str) -> list[str]:
    """folder_id and every folder above it, nearest first (stops on a loop left by old data)."""
    chain: list[str] = []
    current = folder_id
    while current is not None and current not in chain:
        chain.append(current)
        current = conn.execute(select(folders.c.parent_id).where(folders.c.id == current)).scalar()
    return chain


def _check_parent(conn, project_id: str, folder_id: str | None, parent_id: str | None) -> None:
    if parent_id is None:
        return
    found = conn.execute(select(folders.c.project_id).where(folders.c.id == parent_id)).scalar()
    if found != project_id:
        raise NotFound("folder", parent_id, field="parent_id")
    if folder_id is not None and folder_id in _ancestors(conn, parent_id):
        raise Conflict("a folder cannot move inside itself or one of its own subfolders", field="parent_id")


def tree(conn, project_id: str) -> list[dict]:
    """The folder tree, metadata only: [{id, name, parent_id, doc_count, folders: [...]}], by name."""
    rows = conn.execute(
        select(folders.c.id, folders.c.name, folders.c.parent_id)
        .where(folders.c.project_id == project_id)
        .order_by(folders.c.name, folders.c.id)
    ).all()
    counts = dict(
        conn.execute(
            select(documents.c.folder_id, func.count())
            .where(documents.c.project_id == project_id, documents.c.folder_id.is_not(None))
            .group_by(documents.c.folder_id)
        ).all()
    )
    ids = {r.id for r in rows}
    nodes = {
        r.id: {
            "id": r.id,
            "name": r.name,
            "parent_id": r.parent_id,
            "doc_count": counts.get(r.id, 0),
            "folders": [],
        }
        for r in rows
    }
    children: dict[str | None, list[str]] = defaultdict(list)
    for r in rows:
        children[r.parent_id if r.parent_id in ids else None].append(r.id)
    placed: set[str] = set()
    roots: list[dict] = []

    def attach(start: str, into: list[dict]) -> None:
        stack = [(start, into)]
        while stack:
            fid, target = stack.pop()
            if fid in placed:
                continue
            placed.add(fid)
            target.append(nodes[fid])
            for child in reversed(children.get(fid, [])):
                stack.append((child, nodes[fid]["folders"]))

    for fid in children.get(None, []):
        attach(fid, roots)
    for r in rows:  # folders caught in a loop (only possible in imported data) still show, at the top
        if r.id not in placed:
            attach(r.id, roots)
    for node in nodes.values():
        node["folders"].sort(key=lambda n: (n["name"], n["id"]))
    roots.sort(key=lambda n: (n["name"], n["id"]))
    return roots


def list_folders(db, actor: Actor, project_id: str) -> dict:
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        unfiled = conn.execute(
            select(func.count())
            .select_from(documents)
            .where(documents.c.project_id == prow.id, documents.c.folder_id.is_(None))
        ).scalar_one()
        return {"folders": tree(conn, prow.id), "unfiled_count": unfiled}


def insert(tx: Tx, actor: Actor, project_id: str, data: dict) -> dict:
    values = _clean(data, creating=True)
    prow = projects.load(tx.conn, actor, project_id)
    _check_parent(tx.conn, prow.id, None, values.get("parent_id"))
    fid, ts = new_id(), now()
    tx.conn.execute(
        folders.insert().values(id=fid, project_id=prow.id, created_at=ts, updated_at=ts, **values)
    )
    row = tx.conn.execute(select(folders).where(folders.c.id == fid)).first()
    audit.record_item(tx, actor, "folder.create", "folder", row, changed_fields=sorted(values))
    out = to_dict(row)
    tx.publish(prow.id, "folder.created", folder=out)
    return out


def create_folder(db, actor: Actor, project_id: str, data: dict) -> dict:
    actor.require_write("creating a folder")
    with db.write() as tx:
        return insert(tx, actor, project_id, data)


def update_folder(db, actor: Actor, folder_id: str, data: dict) -> dict:
    """Rename or re-parent a folder; a move that would put it inside its own subtree is refused."""
    actor.require_write("updating a folder")
    values = _clean(data, creating=False)
    with db.write() as tx:
        row = load(tx.conn, actor, folder_id)
        if "parent_id" in values:
            _check_parent(tx.conn, row.project_id, row.id, values["parent_id"])
        changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
        if changed:
            tx.conn.execute(
                folders.update()
                .where(folders.c.id == row.id)
                .values(**{k: values[k] for k in changed}, updated_at=now())
            )
            audit.record_item(tx, actor, "folder.update", "folder", row, changed_fields=changed)
        out = to_dict(tx.conn.execute(select(folders).where(folders.c.id == row.id)).first())
        if changed:
            tx.publish(row.project_id, "folder.updated", folder=out, changed=changed)
        return out


def delete_folder(db, actor: Actor, folder_id: str, reparent_to: str | None = None) -> dict:
    """Delete a folder; its subfolders and documents move to reparent_to, else its parent, else Unfiled."""
    from plandesk.core import documents as doc_core

    actor.require_write("deleting a folder")
    with db.write() as tx:
        conn = tx.conn
        row = load(conn, actor, folder_id)
        target = row.parent_id
        if reparent_to is not None:
            dest = load(conn, actor, reparent_to, field="reparent_to")
            if dest.project_id != row.project_id:
                raise NotFound("folder", dest.id, field="reparent_to")
            if row.id in _ancestors(conn, dest.id):
                raise Conflict(
                    "content cannot move into the folder being deleted or one of its subfolders",
                    field="reparent_to",
                )
            target = dest.id
        child_ids = list(conn.execute(select(folders.c.id).where(folders.c.parent_id == row.id)).scalars())
        if child_ids:
            conn.execute(
                folders.update().where(folders.c.id.in_(child_ids)).values(parent_id=target, updated_at=now())
            )
        moved = []
        for doc in conn.execute(select(documents).where(documents.c.folder_id == row.id)).all():
            doc_core.apply_update(
                tx, actor, doc, {"folder_id": target}, expected=None, action="document.move"
            )
            moved.append(doc.id)
        conn.execute(folders.delete().where(folders.c.id == row.id))
        audit.record_item(
            tx,
            actor,
            "folder.delete",
            "folder",
            row,
            detail={
                "name": row.name,
                "reparented_to": target,
                "documents_moved": len(moved),
                "folders_moved": len(child_ids),
            },
        )
        tx.publish(row.project_id, "folder.deleted", id=row.id, reparented_to=target)
        return {
            "deleted": row.id,
            "reparented_to": target,
            "moved_documents": moved,
            "moved_folders": child_ids,
        }


def move_documents(
    db, actor: Actor, document_ids: list[str], folder_id: str | None, *, project_id: str | None = None
) -> dict:
    """File documents into a folder (None: Unfiled). Each document succeeds or fails on its own."""
    from plandesk.core import documents as doc_core

    actor.require_write("moving documents")
    if not isinstance(document_ids, list) or not document_ids:
        raise InvalidArgument("document_ids must be a non-empty list of document ids", field="document_ids")
    if len(document_ids) > MAX_MOVE:
        raise InvalidArgument(f"move at most {MAX_MOVE} documents at once", field="document_ids")
    folder_id = fields.ident("folder_id", folder_id, required=False)
    moved: list[str] = []
    failed: list[dict] = []
    with db.write() as tx:
        home = projects.load(tx.conn, actor, project_id).id if project_id is not None else None
        dest = load(tx.conn, actor, folder_id) if folder_id is not None else None
        if dest is not None and home is not None and dest.project_id != home:
            raise NotFound("folder", dest.id, field="folder_id")
        home = home or (dest.project_id if dest is not None else None)
        seen: set = set()
        for raw in document_ids:
            key = raw if isinstance(raw, str) else repr(raw)
            if key in seen:
                continue
            seen.add(key)
            mark = len(tx.events)
            try:
                # A savepoint per document: one that fails leaves nothing half-written behind it.
                with tx.conn.begin_nested():
                    row = doc_core.load(tx.conn, actor, raw, field="document_ids")
                    if home is not None and row.project_id != home:
                        raise InvalidArgument("the document belongs to another project", field="document_ids")
                    doc_core.apply_update(
                        tx, actor, row, {"folder_id": folder_id}, expected=None, action="document.move"
                    )
                moved.append(row.id)
            except PlanDeskError as exc:
                del tx.events[mark:]
                failed.append({"id": key, "error": exc.message, "code": exc.code})
    return {"moved": moved, "failed": failed, "folder_id": folder_id}
