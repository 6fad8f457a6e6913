"""MCP tool create_share_link: a read-only link to one task or document, as a page and as Markdown."""

from __future__ import annotations

from plandesk.core import shares
from plandesk.core.vocab import SHARE_EXPIRIES
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_SHARE = s.record({
    "url": {"type": "string", "description": "A clean read-only page for people."},
    "markdown_url": {"type": "string", "description": "The same as agent-ready Markdown."},
    "expires_at": {"type": ["string", "null"]},
    "reachable_from": {"type": "string", "enum": ["this_machine", "network"],
                       "description": "this_machine: the link only opens on this computer (no public base URL)."},
    "target_type": {"type": "string"}, "target_id": {"type": "string"}, "state": {"type": "string"},
}, required=("id", "url", "markdown_url"))


@TOOLS.tool("create_share_link", title="Share a task or document",
            description="Make a read-only link to one task or one document (pass exactly one of task_id or "
                        "document_id). Anyone holding the link can read the item without signing in, until it "
                        "expires (24h by default, 7d or never) or is revoked in the UI. Put markdown_url in a "
                        "worker's brief as its context.",
            params={"task_id": s.uuid("The task to share."), "document_id": s.uuid("The document to share."),
                    "expires": s.choice(SHARE_EXPIRIES, "How long the link works (default 24h).")},
            output=_SHARE)
def create_share_link(call: ToolCall, a: dict) -> dict:
    share = shares.share_one(call.db, call.actor, task_id=a.get("task_id"), document_id=a.get("document_id"),
                             expires=a.get("expires"))
    return shares.with_urls(share, call.settings)
