"""Comments on tasks, documents and notes: an optional quoted passage, resolved when addressed."""

from __future__ import annotations

from typing import Unpack

from sqlalchemy import select

from plandesk.core import audit, fields, projects
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import InvalidArgument, NotFound
from plandesk.core.paging import Page, PageArgs, page
from plandesk.core.vocab import COMMENT_TARGETS
from plandesk.db import search
from plandesk.db.schema import comments, documents, notes, tasks

MAX_COMMENT = 100_000
MAX_PASSAGE = 5_000
_TARGETS = {"task": tasks, "document": documents, "note": notes}


def to_dict(r) -> dict:
    return {
        "id": r.id,
        "project_id": r.project_id,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "body": r.body,
        "passage": r.passage,
        "resolved": bool(r.resolved),
        "author": r.author,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }


def _target(conn, actor: Actor, target_type: str, target_id: str):
    """The commented thing, visible to the actor; not-found rather than forbidden outside its scope."""
    fields.choice("target_type", target_type, COMMENT_TARGETS, required=True)
    target_id = fields.ident("target_id", target_id)
    table = _TARGETS[target_type]
    row = conn.execute(select(table.c.id, table.c.project_id).where(table.c.id == target_id)).first()
    if row is None or not actor.sees(row.project_id):
        raise NotFound(target_type, target_id, field="target_id")
    return row


def load(conn, actor: Actor, comment_id: str):
    comment_id = fields.ident("comment_id", comment_id)
    row = conn.execute(select(comments).where(comments.c.id == comment_id)).first()
    if row is None or not actor.sees(row.project_id):
        raise NotFound("comment", comment_id)
    return row


def _fetch(conn, comment_id: str):
    return conn.execute(select(comments).where(comments.c.id == comment_id)).first()


def add_comment(
    db, actor: Actor, target_type: str, target_id: str, body: str, passage: str | None = None
) -> dict:
    """Comment on a task, document or note; the author is the acting user (or token's user)."""
    actor.require_write("adding a comment")
    body = fields.required_text("body", body, max_len=MAX_COMMENT)
    passage = fields.text("passage", passage, max_len=MAX_PASSAGE) or None
    with db.write() as tx:
        target = _target(tx.conn, actor, target_type, target_id)
        cid, ts = new_id(), now()
        tx.conn.execute(
            comments.insert().values(
                id=cid,
                **audit.about(target_type, target),
                body=body,
                passage=passage,
                resolved=False,
                author=actor.name,
                created_at=ts,
                updated_at=ts,
            )
        )
        search.index(tx.conn, "comment", cid, target.project_id, passage or "", body)
        row = _fetch(tx.conn, cid)
        audit.record_item(
            tx, actor, "comment.create", "comment", row, detail={"on": target_type, "on_id": target.id}
        )
        out = to_dict(row)
        tx.publish(target.project_id, "comment.created", comment=_bounded(out))
        return out


def get_comment(db, actor: Actor, comment_id: str) -> dict:
    """One comment, for anyone who sees its project (the pages send a comment's link to what it is on)."""
    with db.read() as conn:
        return to_dict(load(conn, actor, comment_id))


def _bounded(out: dict) -> dict:
    # Events cross processes through NOTIFY, which caps a payload near 8 kB; pages re-read the full text.
    return {**out, "body": out["body"][:500], "passage": (out["passage"] or "")[:200] or None}


def list_comments(
    db,
    actor: Actor,
    project_id: str | None,
    target_type: str | None = None,
    target_id: str | None = None,
    include_resolved: bool = False,
    **paging: Unpack[PageArgs],
) -> Page:
    """A project's comments, or one target's (project_id may then be None); open ones unless asked."""
    fields.flag("include_resolved", include_resolved)
    if (target_type is None) != (target_id is None):
        raise InvalidArgument(
            "give target_type and target_id together", field="target_id" if target_type else "target_type"
        )
    with db.read() as conn:
        q = select(comments)
        if target_type is not None and target_id is not None:  # given together, checked above
            target = _target(conn, actor, target_type, target_id)
            if project_id is not None and fields.ident("project_id", project_id) != target.project_id:
                raise NotFound(target_type, target.id, field="target_id")
            q = q.where(
                comments.c.project_id == target.project_id,
                comments.c.target_type == target_type,
                comments.c.target_id == target.id,
            )
        elif project_id is None:
            raise InvalidArgument("project_id is required unless a target is given", field="project_id")
        else:
            prow = projects.load(conn, actor, project_id)
            q = q.where(comments.c.project_id == prow.id)
        if not include_resolved:
            q = q.where(comments.c.resolved.is_(False))
        return page(conn, q, comments, to_dict, **paging)


def update_comment(db, actor: Actor, comment_id: str, data: dict) -> dict:
    """Edit a comment's body and/or resolve or reopen it."""
    actor.require_write("changing a comment")
    if not isinstance(data, dict):
        raise InvalidArgument("the change must be an object", field="data")
    fields.reject_unknown(data, ("body", "resolved"))
    values: dict = {}
    if "body" in data:
        values["body"] = fields.required_text("body", data["body"], max_len=MAX_COMMENT)
    if "resolved" in data:
        resolved = fields.flag("resolved", data["resolved"])
        if resolved is None:
            raise InvalidArgument("resolved must be true or false", field="resolved")
        values["resolved"] = resolved
    with db.write() as tx:
        row = load(tx.conn, actor, comment_id)
        changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
        if not changed:
            return to_dict(row)
        tx.conn.execute(
            comments.update()
            .where(comments.c.id == row.id)
            .values(**{k: values[k] for k in changed}, updated_at=now())
        )
        if "body" in changed:
            search.index(tx.conn, "comment", row.id, row.project_id, row.passage or "", values["body"])
        action = "comment.update"
        if changed == ["resolved"]:
            action = "comment.resolve" if values["resolved"] else "comment.reopen"
        audit.record_item(tx, actor, action, "comment", row, changed_fields=changed)
        out = to_dict(_fetch(tx.conn, row.id))
        tx.publish(row.project_id, "comment.updated", comment=_bounded(out), changed=changed)
        return out


def resolve_comment(db, actor: Actor, comment_id: str, resolved: bool = True) -> dict:
    return update_comment(db, actor, comment_id, {"resolved": resolved})


def delete_comment(db, actor: Actor, comment_id: str) -> None:
    actor.require_write("deleting a comment")
    with db.write() as tx:
        row = load(tx.conn, actor, comment_id)
        tx.conn.execute(comments.delete().where(comments.c.id == row.id))
        search.remove(tx.conn, "comment", [row.id])
        audit.record_item(
            tx,
            actor,
            "comment.delete",
            "comment",
            row,
            detail={"on": row.target_type, "on_id": row.target_id},
        )
        tx.publish(row.project_id, "comment.deleted", id=row.id)
