"""Workspace settings of the MCP endpoint (table workspace_settings, key "mcp"): whether ?token= is accepted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from plandesk.core import fields, settings_store
from plandesk.core.actors import Actor
from plandesk.core.clock import iso
from plandesk.core.errors import Forbidden
from plandesk.db.schema import workspace_settings

KEY = "mcp"
DEFAULTS = {"allow_url_token": True}


def _stored(conn) -> tuple[dict, datetime | None]:
    row = conn.execute(select(workspace_settings).where(workspace_settings.c.key == KEY)).first()
    if row is None:
        return dict(DEFAULTS), None
    value = row.value if isinstance(row.value, dict) else {}
    return {k: value.get(k, d) for k, d in DEFAULTS.items()}, row.updated_at


def url_token_allowed(db) -> bool:
    """Asked by the MCP guard before anyone is known, so it takes no actor."""
    with db.read() as conn:
        return bool(_stored(conn)[0]["allow_url_token"])


def get_mcp_settings(db, actor: Actor) -> dict:
    with db.read() as conn:
        value, updated_at = _stored(conn)
    return {**value, "updated_at": iso(updated_at)}


def set_mcp_settings(db, actor: Actor, data: dict) -> dict:
    """Change how agents may authenticate: owners and admins only, and never through a token."""
    if actor.token_id is not None:
        raise Forbidden(
            "MCP settings cannot be changed with a token; use the UI, the CLI or a signed-in session",
            permission="role",
        )
    actor.require_role("owner", "admin", what="changing MCP settings")
    fields.reject_unknown(data, DEFAULTS)
    changes = {}
    if "allow_url_token" in data:
        changes["allow_url_token"] = fields.flag("allow_url_token", data["allow_url_token"])
        if changes["allow_url_token"] is None:
            changes.pop("allow_url_token")
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
                "settings.mcp.update",
                changed=changed,
                detail={k: merged[k] for k in changed},
            )
    return {**merged, "updated_at": iso(updated_at)}
