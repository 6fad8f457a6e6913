"""The append-only audit log: every mutation, who made it (user, token, run), and what changed."""

from __future__ import annotations

from typing import Any, Unpack

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, select, true

from plandesk.core.actors import Actor
from plandesk.core.clock import iso, now
from plandesk.core.errors import InvalidArgument
from plandesk.core.paging import PageArgs, capped_count
from plandesk.db.engine import Tx
from plandesk.db.schema import audit_log

_INSERT = audit_log.insert()


def record(
    tx: Tx,
    actor: Actor,
    action: str,
    *,
    project_id: str | None,
    target_type: str | None = None,
    target_id: str | None = None,
    changed_fields: list[str] | None = None,
    detail: dict | None = None,
) -> None:
    record_many(
        tx,
        [
            (
                actor,
                action,
                {
                    "project_id": project_id,
                    "target_type": target_type,
                    "target_id": target_id,
                    "changed_fields": changed_fields,
                    "detail": detail,
                },
            )
        ],
    )


def record_many(tx: Tx, entries: list[tuple[Actor, str, dict[str, Any]]]) -> None:
    """Several entries in one statement: (actor, action, columns), the columns being project_id and what
    record() takes as keywords. A batch of claims writes its entries this way."""
    ts = now()
    # One prebuilt INSERT with every column as a parameter: building the statement per call cost more than
    # running it (every write records one).
    rows = [
        {
            "project_id": cols["project_id"],
            "actor_id": actor.user_id,
            "actor_name": actor.name,
            "token_id": actor.token_id,
            "run_id": actor.run_id,
            "action": action,
            "target_type": cols.get("target_type"),
            "target_id": cols.get("target_id"),
            "changed_fields": cols.get("changed_fields"),
            "detail": cols.get("detail"),
            "created_at": ts,
        }
        for actor, action, cols in entries
    ]
    if not rows:
        return
    tx.conn.execute(_INSERT, rows[0] if len(rows) == 1 else rows)
    for row in rows:
        tx.publish(
            row["project_id"],
            "audit",
            action=row["action"],
            target_type=row["target_type"],
            target_id=row["target_id"],
        )


def about(item_type: str, item) -> dict[str, Any]:
    """The columns that say which item of a project a row is about (an audit entry, a comment, a share):
    `item` is its row, whose id is the target and whose project is the row's project."""
    return {"project_id": item.project_id, "target_type": item_type, "target_id": item.id}


def record_item(tx: Tx, actor: Actor, action: str, item_type: str, item, **what: Any) -> None:
    """An entry about one item of a project (a task, document, note, goal, folder, comment, run, edge);
    `what` is changed_fields and/or detail, as for record."""
    record(tx, actor, action, **about(item_type, item), **what)


def record_workspace(
    tx: Tx, actor: Actor, action: str, target_type: str, target_id: str, **what: Any
) -> None:
    """An entry about something of the whole workspace rather than of one project (a user, an invitation, a
    token, a setting, an OAuth client); `what` is changed_fields and/or detail, as for record."""
    record(tx, actor, action, project_id=None, target_type=target_type, target_id=target_id, **what)


# Long text is not copied into the log: the revision history keeps it, the entry says that it changed.
_NOT_COPIED = frozenset({"description", "body"})


def field_changes(before: dict, after: dict, changed: list[str], *, name_key: str = "label") -> dict:
    """An update's detail: the thing's name and, for each changed field, its value before and after.

    Kept in the audit row so that the activity log can say "status: Todo → Done" for as long as the row
    exists, even after the thing itself is renamed or deleted.
    """
    changes = {
        f: {"from": before.get(f), "to": after.get(f, before.get(f))} for f in changed if f not in _NOT_COPIED
    }
    return {name_key: after.get(name_key) or before.get(name_key), "changes": changes}


def _row(r) -> dict:
    return {
        "id": r.id,
        "project_id": r.project_id,
        "actor_id": r.actor_id,
        "actor_name": r.actor_name,
        "token_id": r.token_id,
        "run_id": r.run_id,
        "action": r.action,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "changed_fields": r.changed_fields,
        "detail": r.detail,
        "created_at": iso(r.created_at),
    }


# A page of the log names the next page by the number of its last entry (entries only ever grow).
BAD_CURSOR = "cursor is not one this server handed out (the next_cursor of the page before)"


def _before(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isascii() or not cursor.isdigit():
        raise InvalidArgument(BAD_CURSOR, field="cursor")
    return int(cursor)


class AuditFilter(BaseModel):
    """Which entries a listing of the log shows: who acted, with which token, which action (`*` is a wildcard,
    as in task.*). Each is optional; an empty one (a form's blank choice) means any."""

    model_config = ConfigDict(frozen=True)

    actor_id: str | None = None
    token_id: str | None = None
    action: str | None = None


EVERY_ENTRY = AuditFilter()


def project_log(
    db,
    actor: Actor,
    project_id: str,
    filters: AuditFilter = EVERY_ENTRY,
    **paging: Unpack[PageArgs],
) -> dict:
    """A project's audit log, newest first, filtered: the one listing REST (`GET …/audit`) and the activity
    page both serve. A cursor this server did not hand out is refused, never read as "from the top"."""
    from plandesk.core import projects  # projects records through this module: import at call time

    before = _before(paging.get("cursor"))
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        return list_entries(
            conn,
            project_id=prow.id,
            filters=filters,
            limit=paging.get("limit") or 100,
            before_id=before,
        )


def list_entries(
    conn,
    *,
    project_id: str | None,
    filters: AuditFilter = EVERY_ENTRY,
    limit: int = 100,
    before_id: int | None = None,
) -> dict:
    if not 1 <= limit <= 500:
        raise InvalidArgument("limit must be between 1 and 500", field="limit")
    cond = []
    if project_id is not None:
        cond.append(audit_log.c.project_id == project_id)
    if filters.actor_id:
        cond.append(audit_log.c.actor_id == filters.actor_id)
    if filters.token_id:
        cond.append(audit_log.c.token_id == filters.token_id)
    if filters.action:
        # `*` is the only wildcard people write; a literal % or _ in an action name must match itself.
        pattern = (
            filters.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
        )
        cond.append(audit_log.c.action.like(pattern, escape="\\"))
    where = and_(*cond) if cond else true()
    total = capped_count(conn, select(audit_log.c.id).where(where))
    q = select(audit_log).where(where)
    if before_id:
        q = q.where(audit_log.c.id < before_id)
    rows = conn.execute(q.order_by(audit_log.c.id.desc()).limit(limit + 1)).all()
    items = [_row(r) for r in rows[:limit]]
    return {
        "items": items,
        "total": total,
        "next_cursor": str(rows[limit - 1].id) if len(rows) > limit else None,
    }
