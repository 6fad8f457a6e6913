"""Documents: Markdown specs with a status line, nesting, folders, links to tasks and documents, revisions."""

from __future__ import annotations

from typing import Unpack

from sqlalchemy import func, select

from plandesk.core import audit, fields, projects, revisions, search_service
from plandesk.core import edges as edge_core
from plandesk.core.actors import Actor
from plandesk.core.clock import new_id, now
from plandesk.core.errors import Conflict, InvalidArgument, NotFound
from plandesk.core.paging import PageArgs, page, titled_body
from plandesk.core.vocab import MAX_BODY, MAX_LABEL, MAX_LIST_LIMIT
from plandesk.db import search
from plandesk.db.engine import Tx
from plandesk.db.schema import documents, edges, folders, tasks

EDITABLE = ("title", "body", "status_line", "parent_id", "folder_id", "link_to")
MAX_LINKS = 200
MAX_STATUS_LINE = 500
UNFILED = "unfiled"  # list_documents(folder_id="unfiled"): the documents filed in no folder


def event_view(r) -> dict:
    """What a live page needs to know that a document changed; NOTIFY payloads stay far below 8 kB."""
    return {
        "id": r.id,
        "project_id": r.project_id,
        "title": r.title[:200],
        "status_line": r.status_line,
        "parent_id": r.parent_id,
        "folder_id": r.folder_id,
        "version": r.version,
    }


def to_dict(r, *, verbose: bool = True) -> dict:
    placed = {"status_line": r.status_line, "parent_id": r.parent_id, "folder_id": r.folder_id}
    return titled_body(r, verbose=verbose, **placed)


def link_targets(value) -> list[str]:
    """link_to as given by a caller: one id or a list of ids, deduplicated in order."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return fields.unique_list(
        "link_to",
        value,
        max_items=MAX_LINKS,
        item=lambda item: fields.ident("link_to", item),
        not_a_list="link_to must be a task or document id, or a list of them",
        too_many="link_to has {count} ids; the limit is {limit}",
    )


def clean(data: dict, *, creating: bool) -> dict:
    if not isinstance(data, dict):
        raise InvalidArgument("the document must be an object", field="data")
    fields.reject_unknown(data, EDITABLE + ("version",))
    out: dict = {}
    if creating or "title" in data:
        out["title"] = fields.required_text("title", data.get("title"), max_len=MAX_LABEL, strip=True)
    if "body" in data:
        out["body"] = fields.text("body", data["body"], max_len=MAX_BODY) or ""
    if "status_line" in data:
        out["status_line"] = (
            fields.text("status_line", data["status_line"], max_len=MAX_STATUS_LINE, strip=True) or None
        )
    for key in ("parent_id", "folder_id"):
        if key in data:
            out[key] = fields.ident(key, data[key], required=False)
    if "link_to" in data:
        out["link_to"] = link_targets(data["link_to"])
    return out


def load(conn, actor: Actor, document_id: str, *, for_update: bool = False, field: str = "document_id"):
    return projects.load_item(
        conn, actor, documents, document_id, what="document", field=field, for_update=for_update
    )


def check_folder(conn, project_id: str, folder_id: str | None, *, field: str = "folder_id") -> None:
    if (
        folder_id is not None
        and conn.execute(
            select(folders.c.id).where(folders.c.id == folder_id, folders.c.project_id == project_id)
        ).first()
        is None
    ):
        raise NotFound("folder", folder_id, field=field)


def _check_parent(conn, project_id: str, document_id: str, parent_id: str | None) -> None:
    """The parent must be a document of the same project that does not already sit below this one."""
    if parent_id is None:
        return
    if parent_id == document_id:
        raise Conflict("a document cannot be its own parent", field="parent_id")
    current, seen = parent_id, set()
    while current is not None and current not in seen:
        r = conn.execute(
            select(documents.c.project_id, documents.c.parent_id).where(documents.c.id == current)
        ).first()
        if r is None or r.project_id != project_id:
            if current == parent_id:
                raise NotFound("document", parent_id, field="parent_id")
            break
        if current == document_id:
            raise Conflict(
                "that parent sits below this document; nesting it there would make a loop", field="parent_id"
            )
        seen.add(current)
        current = r.parent_id


def _outgoing(conn, project_id: str, document_id: str) -> list:
    return conn.execute(
        select(edges)
        .where(
            edges.c.project_id == project_id, edges.c.from_type == "document", edges.c.from_id == document_id
        )
        .order_by(edges.c.created_at, edges.c.id)
    ).all()


def _resolve(conn, project_id: str, document_id: str, ids: list[str]) -> list[tuple[str, str]]:
    """(kind, id) for each id to link to; an id both a task and a document have is taken as the task."""
    kind_of: dict[str, str] = {}
    if ids:
        for kind, table in (("document", documents), ("task", tasks)):  # tasks last: they win
            found = conn.execute(
                select(table.c.id).where(table.c.project_id == project_id, table.c.id.in_(ids))
            ).scalars()
            kind_of.update(dict.fromkeys(found, kind))
    out = []
    for ident in ids:
        if ident == document_id:
            raise InvalidArgument("a document cannot link to itself", field="link_to")
        if ident not in kind_of:
            raise NotFound("task or document", ident, field="link_to")
        out.append((kind_of[ident], ident))
    return out


def set_links(tx: Tx, actor: Actor, project_id: str, document_id: str, ids: list[str]) -> None:
    """Make the document's outgoing links exactly `ids`: `documents` to tasks, `references` to documents."""
    conn = tx.conn
    targets = _resolve(conn, project_id, document_id, ids)
    keep = {ident for _, ident in targets}
    existing = _outgoing(conn, project_id, document_id)
    for e in existing:
        if e.to_id not in keep:
            conn.execute(edges.delete().where(edges.c.id == e.id))
            audit.record(
                tx,
                actor,
                "edge.delete",
                project_id=project_id,
                target_type="edge",
                target_id=e.id,
                detail={"from": e.from_id, "to": e.to_id, "label": e.label},
            )
            tx.publish(project_id, "edge.deleted", id=e.id)
    present = {e.to_id for e in existing}
    for kind, ident in targets:
        if ident not in present:
            edge_core.insert(
                tx,
                actor,
                project_id,
                {
                    "from_type": "document",
                    "from_id": document_id,
                    "to_type": kind,
                    "to_id": ident,
                    "label": "documents" if kind == "task" else "references",
                },
            )


def _titles(conn, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    task_ids = [i for t, i in pairs if t == "task"]
    doc_ids = [i for t, i in pairs if t == "document"]
    if task_ids:
        out.update(
            {
                ("task", i): label
                for i, label in conn.execute(
                    select(tasks.c.id, tasks.c.label).where(tasks.c.id.in_(task_ids))
                )
            }
        )
    if doc_ids:
        out.update(
            {
                ("document", i): title
                for i, title in conn.execute(
                    select(documents.c.id, documents.c.title).where(documents.c.id.in_(doc_ids))
                )
            }
        )
    return out


def links_of(conn, project_id: str, document_id: str) -> dict:
    """Outgoing links and incoming backlinks, each {type, id, title, label, edge_id}."""
    out_rows = _outgoing(conn, project_id, document_id)
    in_rows = conn.execute(
        select(edges)
        .where(edges.c.project_id == project_id, edges.c.to_type == "document", edges.c.to_id == document_id)
        .order_by(edges.c.created_at, edges.c.id)
    ).all()
    titles = _titles(
        conn, [(e.to_type, e.to_id) for e in out_rows] + [(e.from_type, e.from_id) for e in in_rows]
    )

    def other_end(e, kind: str, ident: str) -> dict:
        return {
            "type": kind,
            "id": ident,
            "title": titles.get((kind, ident)),
            "label": e.label,
            "edge_id": e.id,
        }

    return {
        "links": [other_end(e, e.to_type, e.to_id) for e in out_rows],
        "backlinks": [other_end(e, e.from_type, e.from_id) for e in in_rows],
    }


def _full(conn, row, *, verbose: bool = True) -> dict:
    out = to_dict(row, verbose=verbose)
    out.update(links_of(conn, row.project_id, row.id))
    out["children"] = [
        {"id": i, "title": t}
        for i, t in conn.execute(
            select(documents.c.id, documents.c.title)
            .where(documents.c.parent_id == row.id)
            .order_by(documents.c.title, documents.c.id)
        )
    ]
    return out


def _fetch(conn, document_id: str):
    return conn.execute(select(documents).where(documents.c.id == document_id)).first()


def detail(conn, document_id: str, *, verbose: bool = True) -> dict:
    """The document with its links, backlinks and children, read inside an open transaction."""
    return _full(conn, _fetch(conn, document_id), verbose=verbose)


def insert(tx: Tx, actor: Actor, project_id: str, data: dict) -> dict:
    """Create a document inside an open write transaction (scaffolding reuses this)."""
    values = clean(data, creating=True)
    link_to = values.pop("link_to", [])
    conn = tx.conn
    prow = projects.load(conn, actor, project_id)
    did = new_id()
    _check_parent(conn, prow.id, did, values.get("parent_id"))
    check_folder(conn, prow.id, values.get("folder_id"))
    values.setdefault("body", "")
    ts = now()
    conn.execute(
        documents.insert().values(
            id=did, project_id=prow.id, version=1, created_at=ts, updated_at=ts, **values
        )
    )
    search.index(conn, "document", did, prow.id, values["title"], values["body"])
    audit.record(
        tx,
        actor,
        "document.create",
        project_id=prow.id,
        target_type="document",
        target_id=did,
        changed_fields=sorted(list(values) + (["link_to"] if link_to else [])),
    )
    if link_to:
        set_links(tx, actor, prow.id, did, link_to)
    row = _fetch(conn, did)
    tx.publish(prow.id, "document.created", document=event_view(row))
    return _full(conn, row)


def create_document(db, actor: Actor, project_id: str, data: dict) -> dict:
    actor.require_write("creating a document")
    with db.write() as tx:
        return insert(tx, actor, project_id, data)


def get_document(db, actor: Actor, document_id: str, verbose: bool = True) -> dict:
    with db.read() as conn:
        return _full(conn, load(conn, actor, document_id), verbose=verbose)


def list_documents(
    db,
    actor: Actor,
    project_id: str,
    folder_id: str | None = None,
    verbose: bool = False,
    **paging: Unpack[PageArgs],
) -> dict:
    """Documents (bodies bounded unless verbose), ordered by title, and the project's folder tree."""
    from plandesk.core import folders as folder_core

    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        q = select(documents).where(documents.c.project_id == prow.id)
        if folder_id == UNFILED:
            q = q.where(documents.c.folder_id.is_(None))
        elif folder_id is not None:
            fid = fields.ident("folder_id", folder_id)
            check_folder(conn, prow.id, fid)
            q = q.where(documents.c.folder_id == fid)
        result = page(
            conn,
            q,
            documents,
            lambda r: to_dict(r, verbose=verbose),
            limit=paging.get("limit") or MAX_LIST_LIMIT,
            cursor=paging.get("cursor"),
            order="title",
        )
        unfiled = conn.execute(
            select(func.count())
            .select_from(documents)
            .where(documents.c.project_id == prow.id, documents.c.folder_id.is_(None))
        ).scalar_one()
        return {
            "documents": result["items"],
            "folders": folder_core.tree(conn, prow.id),
            "unfiled_count": unfiled,
            "total": result["total"],
            "next_cursor": result["next_cursor"],
        }


def apply_update(
    tx: Tx, actor: Actor, row, values: dict, *, expected: int | None, action: str = "document.update"
) -> dict:
    """Write a change with compare-and-set on version, keeping the prior state as a revision."""
    conn = tx.conn
    fields.require_version("document", expected, row.version)
    values = dict(values)
    link_to = values.pop("link_to", None)
    if "parent_id" in values:
        _check_parent(conn, row.project_id, row.id, values["parent_id"])
    if "folder_id" in values:
        check_folder(conn, row.project_id, values["folder_id"])
    changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
    current_links = [e.to_id for e in _outgoing(conn, row.project_id, row.id)]
    if link_to is not None and set(link_to) != set(current_links):
        _resolve(conn, row.project_id, row.id, link_to)  # refuse bad targets before anything is written
        changed.append("link_to")
    if not changed:
        return _full(conn, row)
    revisions.snapshot(tx, actor, "document", {**to_dict(row), "link_to": current_links}, changed)
    projects.update_item(
        conn, documents, row, {k: values[k] for k in changed if k != "link_to"}, what="document"
    )
    if "link_to" in changed:
        set_links(tx, actor, row.project_id, row.id, link_to)
    search_service.reindex_update(conn, "document", row, values, changed, title="title", body="body")
    audit.record_item(tx, actor, action, "document", row, changed_fields=changed)
    fresh = _fetch(conn, row.id)
    tx.publish(row.project_id, "document.updated", document=event_view(fresh), changed=changed)
    return _full(conn, fresh)


def update_document(db, actor: Actor, document_id: str, data: dict) -> dict:
    actor.require_write("updating a document")
    expected = fields.expect_version("version", data.get("version")) if isinstance(data, dict) else None
    values = clean(data, creating=False)
    with db.write() as tx:
        row = load(tx.conn, actor, document_id, for_update=True)
        return apply_update(tx, actor, row, values, expected=expected)


def delete_document(db, actor: Actor, document_id: str) -> str:
    """Delete a document, its links and comments into the trash (core/trash.py); its child documents move up
    to its parent. Returns the trash item's id."""
    from plandesk.core import trash

    actor.require_write("deleting a document")
    with db.write() as tx:
        conn = tx.conn
        row = load(conn, actor, document_id, for_update=True)
        trash_id = trash.put(tx, actor, "document", row, row.title)
        revisions.snapshot(
            tx,
            actor,
            "document",
            {**to_dict(row), "link_to": [e.to_id for e in _outgoing(conn, row.project_id, row.id)]},
            ["deleted"],
        )
        comments_removed = trash.detach(conn, "document", row)
        conn.execute(
            documents.update().where(documents.c.parent_id == row.id).values(parent_id=row.parent_id)
        )
        trash.remove(
            tx, actor, "document", row, trash_id, {"title": row.title, "comments_removed": comments_removed}
        )
    return trash_id
