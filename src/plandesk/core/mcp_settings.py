"""Workspace settings of the MCP endpoint (table workspace_settings, key "mcp"): whether ?token= is accepted."""

from __future__ import annotations

from datetime import datetime

from plandesk.core import settings_store
from plandesk.core.actors import Actor

KEY = "mcp"
DEFAULTS = {"allow_url_token": True}


def _stored(conn) -> tuple[dict, datetime | None]:
    return settings_store.load_flags(conn, KEY, DEFAULTS)


def url_token_allowed(db) -> bool:
    """Asked by the MCP guard before anyone is known, so it takes no actor."""
    with db.read() as conn:
        return bool(_stored(conn)[0]["allow_url_token"])


def get_mcp_settings(db, actor: Actor) -> dict:
    return settings_store.read_flags(db, KEY, DEFAULTS)


def set_mcp_settings(db, actor: Actor, data: dict) -> dict:
    """Change how agents may authenticate: owners and admins only, and never through a token."""
    return settings_store.update_flags(
        db, actor, KEY, DEFAULTS, data, action="settings.mcp.update", noun="MCP settings"
    )
