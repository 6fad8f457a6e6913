"""MCP tools for projects (toolset "projects"): list, read, create, update, their tags, and scaffolding a whole
plan in one atomic call."""

from __future__ import annotations

from plandesk.core import models, projects, tasks, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup("projects")

_PROJECT = shapes.arguments(models.ProjectIn)


TOOLS.calls(
    "list_projects",
    projects.list_projects,
    toolset="planning",  # where every agent starts: in the default toolset
    read_only=True,
    description="The projects this token can see. Start here: ids come from tool results, never guesses.",
    params=s.PAGE,
)


TOOLS.fetch_one(
    "get_project",
    "project_id",
    s.PROJECT_ID,
    projects.get_project,
    "One project with its task counts per status and current goal.",
)


TOOLS.writes_record(
    "create_project",
    projects.create_project,
    models.ProjectIn,
    description="An empty project; scaffold_project_from_plan creates one with its tasks.",
    ids={},
)


TOOLS.updates_record(projects.update_project, "Change the fields you pass.", leave_out=("canvas_layout",))


_KEY = s.text(max_len=100, min_len=1)
_PLAN_TASK = s.strict_object(
    {
        "key": s.text("Your key for it, used by edges and documents.", max_len=100, min_len=1),
        "label": s.text(max_len=vocab.MAX_LABEL, min_len=1),
        "status": s.choice(("scope", "todo", "backlog")),
        "kind": s.KIND,
        "priority": s.PRIORITY,
        "description": s.text(max_len=vocab.MAX_BODY),
        "assignee": s.text(max_len=200),
        "tags": shapes.arguments(models.TaskIn)["tags"],
        "goal_id": s.nullable(s.GOAL_ID),
    },
    required=["key", "label"],
)
_PLAN_EDGE = s.strict_object(
    {
        "from": _KEY,
        "to": _KEY,
        "label": s.choice(
            vocab.EDGE_LABELS,
            "Default depends_on: from waits for to; blocks, feeds, enables: from comes first.",
        ),
    },
    required=["from", "to"],
)
_PLAN_DOCUMENT = s.strict_object(
    {
        "key": _KEY,
        "title": s.text(max_len=vocab.MAX_LABEL, min_len=1),
        "body": s.text(max_len=vocab.MAX_BODY),
        "status_line": s.text(max_len=vocab.MAX_LABEL),
        "link_to": s.array(_KEY, "Task or document keys it covers.", max_items=200),
    },
    required=["title"],
)


@TOOLS.tool(
    "scaffold_project_from_plan",
    description="Create a plan atomically: a new project (name) or more work in one (project_id), with "
    "tasks, edges and documents referring to each other by your keys. Returns key_to_id.",
    params={
        "project_id": s.PROJECT_ID,
        "name": _PROJECT["name"],
        "description": _PROJECT["description"],
        "goal_id": s.nullable(s.GOAL_ID),
        "tasks": s.array(_PLAN_TASK, max_items=1000, min_items=1),
        "edges": s.array(_PLAN_EDGE, max_items=3000),
        "documents": s.array(_PLAN_DOCUMENT, max_items=200),
    },
    required=["tasks"],
)
def scaffold_project_from_plan(call: ToolCall, a: dict) -> dict:
    from plandesk.core import scaffold

    return scaffold.scaffold_project_from_plan(call.db, call.actor, a)


TOOLS.project_list(
    "list_tags",
    tasks.list_tags,
    description="A project's tags; reuse these names rather than near-duplicates.",
    answer_key="tags",
)
