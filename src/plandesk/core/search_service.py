"""Search across tasks, documents, notes and comments, limited to what the actor may see."""

from __future__ import annotations

from plandesk.core import fields
from plandesk.core.actors import Actor
from plandesk.db import search as backend

KINDS = ("task", "document", "note", "comment")


def search(
    db,
    actor: Actor,
    q: str,
    *,
    project_id: str | None = None,
    kinds: list[str] | None = None,
    limit: int = 20,
) -> dict:
    q = fields.required_text("q", q, max_len=500)
    for k in kinds or []:
        fields.choice("kind", k, KINDS)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 50:
        from plandesk.core.errors import InvalidArgument

        raise InvalidArgument("limit must be between 1 and 50", field="limit")
    scope = None if actor.project_ids is None else sorted(actor.project_ids)
    if project_id is not None:
        project_id = fields.ident("project_id", project_id)
        actor.require_visible(project_id)
        scope = [project_id]
    with db.read() as conn:
        hits = backend.query(conn, q, project_ids=scope, kinds=kinds, limit=limit)
    return {"query": q, "results": hits}


def reindex_update(conn, kind: str, row, values: dict, changed: list[str], *, title: str, body: str) -> None:
    """Keep an updated item findable: when the update changed its title or body (the columns named `title`
    and `body` in its table), index the text it has now, the new value where there is one."""
    if title in changed or body in changed:
        backend.index(
            conn,
            kind,
            row.id,
            row.project_id,
            values.get(title, getattr(row, title)),
            values.get(body, getattr(row, body)),
        )
