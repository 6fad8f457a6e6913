"""MCP tools for edges: typed links between tasks and documents; dependency edges never close a cycle."""

from __future__ import annotations

from plandesk.core import edges, models
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup("graph")


TOOLS.writes_record(
    "create_edge",
    edges.create_edge,
    models.EdgeIn,
    idempotent=True,
    description="Link two tasks or documents. depends_on (default): from waits for to; blocks, feeds, "
    "enables: from comes first. A cycle is refused and named. Short form: from_task_id, "
    "to_task_id.",
    ids={"project_id": s.PROJECT_ID},
)


TOOLS.project_list(
    "list_edges",
    edges.list_edges,
    description="Every edge of a project, oldest first.",
    answer_key="edges",
)


@TOOLS.tool(
    "delete_edge",
    destructive=True,
    idempotent=True,
    description="Remove one edge.",
    params={"edge_id": s.uuid()},
    required=["edge_id"],
)
def delete_edge(call: ToolCall, a: dict) -> dict:
    edges.delete_edge(call.db, call.actor, a["edge_id"])
    return {"deleted": True, "edge_id": a["edge_id"]}
