"""Workspace rules for moving tasks (table workspace_settings, key "tasks").

`refuse_blocked_moves`: a task that waits on unfinished prerequisites cannot be moved to In Progress or Done.
Off by default: the UI then only asks for confirmation and agents may do it. On, the core refuses it for
everyone (REST, MCP, UI) with one answer: conflict, reason "blocked", the prerequisites it waits on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from plandesk.core import dependencies, fields, settings_store
from plandesk.core.actors import Actor
from plandesk.core.clock import iso
from plandesk.core.errors import Conflict, Forbidden
from plandesk.db.schema import workspace_settings

KEY = "tasks"
DEFAULTS = {"refuse_blocked_moves": False}
STARTED = ("in_progress", "done")
STATUS_WORDS = {"in_progress": "In Progress", "done": "Done"}


def _stored(conn) -> tuple[dict, datetime | None]:
    row = conn.execute(select(workspace_settings).where(workspace_settings.c.key == KEY)).first()
    if row is None:
        return dict(DEFAULTS), None
    value = row.value if isinstance(row.value, dict) else {}
    return {k: bool(value.get(k, d)) for k, d in DEFAULTS.items()}, row.updated_at


def get_task_rules(db, actor: Actor) -> dict:
    with db.read() as conn:
        value, updated_at = _stored(conn)
    return {**value, "updated_at": iso(updated_at)}


def set_task_rules(db, actor: Actor, data: dict) -> dict:
    """Owners and admins, as people (never through a token: an agent must not lift the rule it is held to)."""
    if actor.token_id is not None:
        raise Forbidden(
            "task rules cannot be changed with a token; use the UI, the CLI or a signed-in session",
            permission="role",
        )
    actor.require_role("owner", "admin", what="changing the workspace's task rules")
    if not isinstance(data, dict):
        data = {}
    fields.reject_unknown(data, DEFAULTS)
    changes = {}
    for key in DEFAULTS:
        if key in data:
            flag = fields.flag(key, data[key])
            if flag is not None:
                changes[key] = flag
    with db.write() as tx:
        value, updated_at = _stored(tx.conn)
        merged = {**value, **changes}
        changed = sorted(k for k in changes if value.get(k) != merged[k])
        if changed:
            updated_at = settings_store.save(
                tx,
                actor,
                KEY,
                merged,
                "settings.tasks.update",
                changed=changed,
                detail={k: merged[k] for k in changed},
            )
    return {**merged, "updated_at": iso(updated_at)}


def check_move(conn, row, status: str) -> None:
    """Called by the task update inside its transaction: refuse starting or finishing a blocked task when the
    workspace says so. Costs nothing for a task that waits on nothing (waiting_count is kept by triggers)."""
    if status not in STARTED or not row.waiting_count:
        return
    if not _stored(conn)[0]["refuse_blocked_moves"]:
        return
    waiting = dependencies.unfinished_prerequisites(conn, row.project_id, [row.id]).get(row.id, [])
    if not waiting:
        return
    names = ", ".join(f"“{label}”" for _id, label, _status in waiting[:5])
    more = f" and {len(waiting) - 5} more" if len(waiting) > 5 else ""
    raise Conflict(
        f"“{row.label}” waits on {names}{more}, not done yet; this workspace does not allow moving it to "
        f"{STATUS_WORDS[status]} before they are done",
        field="status",
        reason="blocked",
        task_id=row.id,
        waiting_on=[{"id": i, "label": label, "status": s} for i, label, s in waiting[:100]],
    )
