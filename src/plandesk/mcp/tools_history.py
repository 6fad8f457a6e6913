"""MCP tools for finding and looking back: search across a workspace, revisions of tasks and documents."""

from __future__ import annotations

from plandesk.core import revisions, search_service, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()


TOOLS.calls(
    "search",
    search_service.search,
    read_only=True,
    description="Ranked full-text search over tasks, documents, notes and comments this token can see, "
    "with excerpts. Use it before creating anything.",
    params={
        "query": s.text(max_len=500, min_len=1),
        "project_id": s.PROJECT_ID,
        "kinds": s.array(s.choice(search_service.KINDS), max_items=len(search_service.KINDS)),
        "limit": s.integer("Default 20.", minimum=1, maximum=50),
    },
    required=["query"],
    renamed={"query": "q"},
)


@TOOLS.tool(
    "list_revisions",
    toolset="history",
    read_only=True,
    description="Earlier versions of a task or document, newest first: who changed which fields when.",
    params={
        "target_type": s.choice(vocab.REVISION_TARGETS),
        "target_id": s.uuid(),
        "project_id": s.PROJECT_ID,
        "limit": s.integer("Default 50.", minimum=1, maximum=500),
    },
    required=["target_type", "target_id"],
)
def list_revisions(call: ToolCall, a: dict) -> dict:
    rows = revisions.list_revisions(
        call.db, call.actor, a["target_type"], a["target_id"], limit=a.get("limit", 50)
    )
    if a.get("project_id"):
        rows = [r for r in rows if r["project_id"] == a["project_id"]]
    return {"revisions": rows}


TOOLS.calls(
    "get_revision",
    revisions.get_revision,
    toolset="history",
    read_only=True,
    description="One earlier version in full. Restoring is done by a person in the UI.",
    params={"revision_id": s.uuid()},
    required=["revision_id"],
)
