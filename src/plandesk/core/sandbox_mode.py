"""Whether the connector may run programs without the OS sandbox (table workspace_settings, key "sandbox").

Off by default: on a machine without bubblewrap, code_exec, builds and deploys are refused. An owner, as a
person and not through a token, may switch to unsandboxed mode; doctor and the settings page then warn.
"""

from __future__ import annotations

from sqlalchemy import select, update

from plandesk.core import audit, fields
from plandesk.core.actors import Actor
from plandesk.core.clock import now
from plandesk.core.errors import Forbidden
from plandesk.db.schema import workspace_settings

KEY = "sandbox"


def _stored(conn) -> tuple[dict, bool]:
    row = conn.execute(select(workspace_settings.c.value).where(workspace_settings.c.key == KEY)).first()
    if row is None:
        return {"unsandboxed": False}, False
    value = row.value if isinstance(row.value, dict) else {}
    return {"unsandboxed": bool(value.get("unsandboxed", False))}, True


def unsandboxed_allowed(db) -> bool:
    with db.read() as conn:
        return _stored(conn)[0]["unsandboxed"]


def set_unsandboxed(db, actor: Actor, value) -> dict:
    """Only an owner, as a person: the switch decides whether member-written code runs with the server's rights."""
    if actor.token_id is not None:
        raise Forbidden("the sandbox mode cannot be changed with a token", permission="role")
    actor.require_role("owner", what="running connector programs without the sandbox")
    flag = bool(fields.flag("unsandboxed", value))
    with db.write() as tx:
        current, exists = _stored(tx.conn)
        if current["unsandboxed"] != flag:
            doc = {"unsandboxed": flag}
            if exists:
                tx.conn.execute(
                    update(workspace_settings)
                    .where(workspace_settings.c.key == KEY)
                    .values(value=doc, updated_at=now())
                )
            else:
                tx.conn.execute(workspace_settings.insert().values(key=KEY, value=doc, updated_at=now()))
            audit.record(
                tx,
                actor,
                "settings.sandbox.update",
                project_id=None,
                target_type="settings",
                target_id=KEY,
                changed_fields=["unsandboxed"],
                detail=doc,
            )
    return {"unsandboxed": flag}
