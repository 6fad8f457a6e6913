"""MCP tool create_share_link (toolset "shares"): a read-only link to one task or document, page and Markdown."""

from __future__ import annotations

from plandesk.core import shares
from plandesk.core.vocab import SHARE_EXPIRIES
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup("shares")


@TOOLS.tool(
    "create_share_link",
    description="A read-only link to one task or document (pass one id) that anyone holding it can open "
    "until it expires (default 24h) or is revoked. markdown_url suits a worker's brief.",
    params={"task_id": s.uuid(), "document_id": s.uuid(), "expires": s.choice(SHARE_EXPIRIES)},
)
def create_share_link(call: ToolCall, a: dict) -> dict:
    share = shares.share_one(
        call.db,
        call.actor,
        task_id=a.get("task_id"),
        document_id=a.get("document_id"),
        expires=a.get("expires"),
    )
    return shares.with_urls(share, call.settings)
