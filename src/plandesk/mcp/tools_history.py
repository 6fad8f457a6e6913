"""MCP tools for finding and looking back: search across a workspace, revisions of tasks and documents."""

from __future__ import annotations

from plandesk.core import revisions, search_service, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()


@TOOLS.tool("search", read_only=True, title="Search",
            description="Full-text search over task, document, note and comment titles and bodies, ranked, with "
                        "excerpts. Limited to one project when project_id is given, and always to what this "
                        "token can see. Use it before creating something that may already exist.",
            params={"query": s.text("Words to look for.", max_len=500, min_len=1), "project_id": s.PROJECT_ID,
                    "kinds": s.array(s.choice(search_service.KINDS, "A kind of item."), "Only these kinds.",
                                     max_items=len(search_service.KINDS)),
                    "limit": s.integer("Most results (default 20).", minimum=1, maximum=50)},
            required=["query"], output={"type": "object", "properties": {
                "query": {"type": "string"}, "results": {"type": "array", "items": {"type": "object"}}},
                "required": ["results"]})
def search(call: ToolCall, a: dict) -> dict:
    return search_service.search(call.db, call.actor, a["query"], project_id=a.get("project_id"),
                                 kinds=a.get("kinds"), limit=a.get("limit", 20))


@TOOLS.tool("list_revisions", read_only=True, title="List revisions",
            description="Earlier versions of a task or document, newest first: who changed which fields when. "
                        "Metadata only; read one with get_revision.",
            params={"target_type": s.choice(vocab.REVISION_TARGETS, "task or document."),
                    "target_id": s.uuid("The task's or document's id."),
                    "project_id": s.uuid("Optional: the project the target belongs to."),
                    "limit": s.integer("Most revisions (default 50).", minimum=1, maximum=500)},
            required=["target_type", "target_id"], output=s.list_of("revisions", shapes.REVISION))
def list_revisions(call: ToolCall, a: dict) -> dict:
    rows = revisions.list_revisions(call.db, call.actor, a["target_type"], a["target_id"], limit=a.get("limit", 50))
    if a.get("project_id"):
        rows = [r for r in rows if r["project_id"] == a["project_id"]]
    return {"revisions": rows}


@TOOLS.tool("get_revision", read_only=True, title="Get a revision",
            description="One earlier version in full (the snapshot as it was before the change). Restoring is "
                        "done by a person in the UI, not over MCP.",
            params={"revision_id": s.uuid("The revision's id (from list_revisions).")}, required=["revision_id"],
            output=s.record({**shapes.REVISION["properties"], "snapshot": {"type": "object"}}))
def get_revision(call: ToolCall, a: dict) -> dict:
    return revisions.get_revision(call.db, call.actor, a["revision_id"])
