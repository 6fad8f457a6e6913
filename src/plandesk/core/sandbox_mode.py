"""Whether the connector may run programs without the OS sandbox (table workspace_settings, key "sandbox").

Off by default: on a machine without bubblewrap, code_exec, builds and deploys are refused. An owner, as a
person and not through a token, may switch to unsandboxed mode; doctor and the settings page then warn.
"""

from __future__ import annotations

from sqlalchemy import select

from plandesk.core import fields, settings_store
from plandesk.core.actors import Actor
from plandesk.core.errors import Forbidden
from plandesk.db.schema import workspace_settings

KEY = "sandbox"


def _stored(conn) -> dict:
    row = conn.execute(select(workspace_settings.c.value).where(workspace_settings.c.key == KEY)).first()
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    return {"unsandboxed": bool(value.get("unsandboxed", False))}


def unsandboxed_allowed(db) -> bool:
    with db.read() as conn:
        return _stored(conn)["unsandboxed"]


def set_unsandboxed(db, actor: Actor, value) -> dict:
    """Only an owner, as a person: the switch decides whether member-written code runs with the server's rights."""
    if actor.token_id is not None:
        raise Forbidden("the sandbox mode cannot be changed with a token", permission="role")
    actor.require_role("owner", what="running connector programs without the sandbox")
    flag = bool(fields.flag("unsandboxed", value))
    with db.write() as tx:
        current = _stored(tx.conn)
        if current["unsandboxed"] != flag:
            doc = {"unsandboxed": flag}
            settings_store.save(
                tx, actor, KEY, doc, "settings.sandbox.update", changed=["unsandboxed"], detail=doc
            )
    return {"unsandboxed": flag}
