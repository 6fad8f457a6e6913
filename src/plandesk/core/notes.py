"""Notes: a project's free-form working memory (title and Markdown body), versioned and searchable."""

from __future__ import annotations

from typing import Unpack

from sqlalchemy import select

from plandesk.core import audit, fields, projects, search_service
from plandesk.core.actors import Actor
from plandesk.core.clock import new_id, now
from plandesk.core.errors import InvalidArgument
from plandesk.core.paging import Page, PageArgs, page, titled_body
from plandesk.core.vocab import MAX_BODY, MAX_LABEL
from plandesk.db import search
from plandesk.db.schema import notes


def to_dict(r, *, verbose: bool = True) -> dict:
    return titled_body(r, verbose=verbose)


def _event_view(note: dict) -> dict:
    # Live pages re-read the body; events carry only what fits a NOTIFY payload with room to spare.
    return {
        "id": note["id"],
        "project_id": note["project_id"],
        "title": note["title"][:200],
        "version": note["version"],
    }


def _clean(data: dict, *, creating: bool) -> dict:
    if not isinstance(data, dict):
        raise InvalidArgument("the note must be an object", field="data")
    fields.reject_unknown(data, ("title", "body", "version"))
    out: dict = {}
    if creating or "title" in data:
        out["title"] = fields.required_text("title", data.get("title"), max_len=MAX_LABEL, strip=True)
    if "body" in data:
        out["body"] = fields.text("body", data["body"], max_len=MAX_BODY) or ""
    return out


def load(conn, actor: Actor, note_id: str, *, for_update: bool = False):
    return projects.load_item(
        conn, actor, notes, note_id, what="note", field="note_id", for_update=for_update
    )


def _fetch(conn, note_id: str):
    return conn.execute(select(notes).where(notes.c.id == note_id)).first()


def create_note(db, actor: Actor, project_id: str, data: dict) -> dict:
    actor.require_write("creating a note")
    values = _clean(data, creating=True)
    values.setdefault("body", "")
    with db.write() as tx:
        prow = projects.load(tx.conn, actor, project_id)
        nid, ts = new_id(), now()
        tx.conn.execute(
            notes.insert().values(
                id=nid, project_id=prow.id, version=1, created_at=ts, updated_at=ts, **values
            )
        )
        search.index(tx.conn, "note", nid, prow.id, values["title"], values["body"])
        row = _fetch(tx.conn, nid)
        audit.record_item(tx, actor, "note.create", "note", row, changed_fields=sorted(values))
        out = to_dict(row)
        tx.publish(prow.id, "note.created", note=_event_view(out))
        return out


def update_note(db, actor: Actor, note_id: str, data: dict) -> dict:
    """Change title or body; a stale `version` gets conflict and nothing is overwritten."""
    actor.require_write("updating a note")
    expected = fields.expect_version("version", data.get("version")) if isinstance(data, dict) else None
    values = _clean(data, creating=False)
    with db.write() as tx:
        conn = tx.conn
        row = load(conn, actor, note_id, for_update=True)
        fields.require_version("note", expected, row.version)
        changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
        if not changed:
            return to_dict(row)
        projects.update_item(conn, notes, row, {k: values[k] for k in changed}, what="note")
        search_service.reindex_update(conn, "note", row, values, changed, title="title", body="body")
        audit.record_item(tx, actor, "note.update", "note", row, changed_fields=changed)
        fresh = _fetch(conn, row.id)
        tx.publish(row.project_id, "note.updated", note=_event_view(to_dict(fresh)), changed=changed)
        return to_dict(fresh)


def get_note(db, actor: Actor, note_id: str) -> dict:
    with db.read() as conn:
        return to_dict(load(conn, actor, note_id))


def list_notes(
    db,
    actor: Actor,
    project_id: str,
    verbose: bool = False,
    **paging: Unpack[PageArgs],
) -> Page:
    """Notes in the order they were written, bodies bounded to a preview unless verbose."""
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        return page(
            conn,
            select(notes).where(notes.c.project_id == prow.id),
            notes,
            lambda r: to_dict(r, verbose=verbose),
            **paging,
        )


def delete_note(db, actor: Actor, note_id: str) -> str:
    """Delete a note into the trash (core/trash.py); returns the trash item's id."""
    from plandesk.core import trash

    actor.require_write("deleting a note")
    with db.write() as tx:
        conn = tx.conn
        row = load(conn, actor, note_id, for_update=True)
        trash_id = trash.put(tx, actor, "note", row, row.title)
        comments_removed = trash.detach(conn, "note", row)
        trash.remove(
            tx, actor, "note", row, trash_id, {"title": row.title, "comments_removed": comments_removed}
        )
    return trash_id
