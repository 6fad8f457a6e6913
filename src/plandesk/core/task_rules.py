"""Workspace rules for moving tasks (table workspace_settings, key "tasks").

`refuse_blocked_moves`: a task that waits on unfinished prerequisites cannot be moved to In Progress or Done.
Off by default: the UI then only asks for confirmation and agents may do it. On, the core refuses it for
everyone (REST, MCP, UI) with one answer: conflict, reason "blocked", the prerequisites it waits on.
"""

from __future__ import annotations

from datetime import datetime

from plandesk.core import dependencies, settings_store
from plandesk.core.actors import Actor
from plandesk.core.errors import Conflict

KEY = "tasks"
DEFAULTS = {"refuse_blocked_moves": False}
STARTED = ("in_progress", "done")
STATUS_WORDS = {"in_progress": "In Progress", "done": "Done"}


def _stored(conn) -> tuple[dict, datetime | None]:
    return settings_store.load_flags(conn, KEY, DEFAULTS)


def get_task_rules(db, actor: Actor) -> dict:
    return settings_store.read_flags(db, KEY, DEFAULTS)


def set_task_rules(db, actor: Actor, data: dict) -> dict:
    """Owners and admins, as people (never through a token: an agent must not lift the rule it is held to)."""
    return settings_store.update_flags(
        db, actor, KEY, DEFAULTS, data, action="settings.tasks.update", noun="task rules"
    )


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
