"""MCP tools for edges: typed links between tasks and documents; dependency edges never close a cycle."""

from __future__ import annotations

from plandesk.core import edges, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_ENDPOINT = s.choice(vocab.EDGE_ENDPOINT_TYPES, "Kind of node (default task).")


@TOOLS.tool("create_edge", title="Link two nodes", idempotent=True,
            description="Link two tasks or documents in a project. Dependencies: `blocks`, `feeds`, `enables` "
                        "mean from must be done before to starts; `depends_on` means from waits for to. A "
                        "dependency that would close a cycle is refused and the cycle is named. Documents link "
                        "with `documents` (to a task) or `references`. Short form: from_task_id + to_task_id. "
                        "Creating an existing edge again returns it unchanged.",
            params={"project_id": s.PROJECT_ID, "from_type": _ENDPOINT, "from_id": s.uuid("Source node id."),
                    "to_type": _ENDPOINT, "to_id": s.uuid("Target node id."),
                    "from_task_id": s.uuid("Short form: the source task."),
                    "to_task_id": s.uuid("Short form: the target task."),
                    "label": s.choice(vocab.EDGE_LABELS, "What the link means (default depends_on between tasks)."),
                    "style": s.choice(vocab.EDGE_STYLES, "Line style on the canvas."),
                    "arrow_direction": s.choice(vocab.ARROW_DIRECTIONS, "Arrow drawing on the canvas.")},
            required=["project_id"], output=shapes.EDGE)
def create_edge(call: ToolCall, a: dict) -> dict:
    return edges.create_edge(call.db, call.actor, a.pop("project_id"), a)


@TOOLS.tool("list_edges", read_only=True, title="List edges",
            description="Every edge of a project, oldest first: dependencies between tasks and links from "
                        "documents. Use an edge's id with delete_edge.",
            params={"project_id": s.PROJECT_ID}, required=["project_id"], output=s.list_of("edges", shapes.EDGE))
def list_edges(call: ToolCall, a: dict) -> dict:
    return {"edges": edges.list_edges(call.db, call.actor, a["project_id"])}


@TOOLS.tool("delete_edge", title="Delete an edge", destructive=True, idempotent=True,
            description="Remove one edge by id (from list_edges). Deleting it again reports not found.",
            params={"edge_id": s.uuid("The edge's id.")}, required=["edge_id"],
            output={"type": "object", "properties": {"deleted": {"type": "boolean"}, "edge_id": {"type": "string"}},
                    "required": ["deleted", "edge_id"]})
def delete_edge(call: ToolCall, a: dict) -> dict:
    edges.delete_edge(call.db, call.actor, a["edge_id"])
    return {"deleted": True, "edge_id": a["edge_id"]}
