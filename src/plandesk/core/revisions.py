"""Revisions: the prior snapshot of a task or document on every change, listable and restorable."""

from __future__ import annotations

from sqlalchemy import select

from plandesk.core import fields
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import NotFound
from plandesk.core.vocab import REVISION_TARGETS
from plandesk.db.engine import Tx
from plandesk.db.schema import revisions


def snapshot(tx: Tx, actor: Actor, target_type: str, before: dict, changed: list[str]) -> None:
    tx.conn.execute(
        revisions.insert().values(
            id=new_id(),
            project_id=before["project_id"],
            target_type=target_type,
            target_id=before["id"],
            snapshot=before,
            changed_fields=changed,
            author=actor.name,
            created_at=now(),
        )
    )


def _meta(r) -> dict:
    return {
        "id": r.id,
        "project_id": r.project_id,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "changed_fields": r.changed_fields,
        "author": r.author,
        "created_at": iso(r.created_at),
    }


def list_revisions(db, actor: Actor, target_type: str, target_id: str, *, limit: int = 50) -> list[dict]:
    fields.choice("target_type", target_type, REVISION_TARGETS, required=True)
    target_id = fields.ident("target_id", target_id)
    with db.read() as conn:
        rows = conn.execute(
            select(revisions)
            .where(revisions.c.target_type == target_type, revisions.c.target_id == target_id)
            .order_by(revisions.c.created_at.desc(), revisions.c.id)
            .limit(limit)
        ).all()
    rows = [r for r in rows if actor.sees(r.project_id)]
    return [_meta(r) for r in rows]


def get_revision(db, actor: Actor, revision_id: str) -> dict:
    revision_id = fields.ident("revision_id", revision_id)
    with db.read() as conn:
        r = conn.execute(select(revisions).where(revisions.c.id == revision_id)).first()
    if r is None or not actor.sees(r.project_id):
        raise NotFound("revision", revision_id)
    return {**_meta(r), "snapshot": r.snapshot}


def restore_revision(db, actor: Actor, revision_id: str) -> dict:
    """Put the snapshot back as the current state (itself recorded as a new revision)."""
    rev = get_revision(db, actor, revision_id)
    snap = rev["snapshot"]
    if rev["target_type"] == "task":
        from plandesk.core import tasks

        # Every field a person can edit comes back.
        return tasks.update_task(
            db, actor, rev["target_id"], {k: snap.get(k) for k in tasks.EDITABLE if k in snap}
        )
    from plandesk.core import documents

    keep = ("title", "body", "status_line", "folder_id", "parent_id")  # links stay as they are now
    return documents.update_document(db, actor, rev["target_id"], {k: snap.get(k) for k in keep if k in snap})
