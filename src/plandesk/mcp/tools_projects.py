"""MCP tools for projects: list, read, create, update, and scaffolding a whole plan in one atomic call."""

from __future__ import annotations

from plandesk.core import projects, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_NAME = s.text("Project name.", max_len=vocab.MAX_NAME, min_len=1)
_DESCRIPTION = s.text("What the project is for (Markdown).", max_len=vocab.MAX_BODY)
_REPO_PATH = s.text("Folder of the project's repository on the server machine.", max_len=2000)
_REPO_URL = s.text("URL of the project's repository.", max_len=2000)


@TOOLS.tool("list_projects", read_only=True, title="List projects",
            description="List the projects this token can see, by name. Start here: every other tool needs a "
                        "project_id from this list. Paged: pass next_cursor back as cursor for more.",
            params={"limit": s.LIMIT, "cursor": s.CURSOR}, output=s.page_of(shapes.PROJECT))
def list_projects(call: ToolCall, a: dict) -> dict:
    return projects.list_projects(call.db, call.actor, limit=a.get("limit"), cursor=a.get("cursor"))


@TOOLS.tool("get_project", read_only=True, title="Get a project",
            description="One project with a count of its tasks per status (summary) and its current goal id.",
            params={"project_id": s.PROJECT_ID}, required=["project_id"], output=shapes.PROJECT)
def get_project(call: ToolCall, a: dict) -> dict:
    return projects.get_project(call.db, call.actor, a["project_id"])


@TOOLS.tool("create_project", title="Create a project",
            description="Create an empty project. To create a project together with its tasks, dependencies "
                        "and documents in one step, use scaffold_project_from_plan instead.",
            params={"name": _NAME, "description": _DESCRIPTION, "repo_path": _REPO_PATH, "repo_url": _REPO_URL},
            required=["name"], output=shapes.PROJECT)
def create_project(call: ToolCall, a: dict) -> dict:
    return projects.create_project(call.db, call.actor, a)


@TOOLS.tool("update_project", title="Update a project", idempotent=True,
            description="Change a project's name, description, repository or current goal. Only the fields "
                        "you pass change. Pass the version you read to refuse overwriting a newer edit.",
            params={"project_id": s.PROJECT_ID, "name": _NAME, "description": _DESCRIPTION,
                    "repo_path": s.nullable(_REPO_PATH), "repo_url": s.nullable(_REPO_URL),
                    "current_goal_id": s.nullable(s.GOAL_ID), "version": s.VERSION},
            required=["project_id"], output=shapes.PROJECT)
def update_project(call: ToolCall, a: dict) -> dict:
    return projects.update_project(call.db, call.actor, a.pop("project_id"), a)


_PLAN_TASK = s.strict_object({
    "key": s.text("Your own key for this task, used by edges and documents in the same plan.", max_len=100,
                  min_len=1),
    "label": s.text("Imperative label, e.g. 'Add retry to the upload client'.", max_len=vocab.MAX_LABEL,
                    min_len=1),
    "status": s.choice(("scope", "todo", "backlog"), "Initial column (default todo)."),
    "kind": s.KIND, "priority": s.PRIORITY,
    "description": s.text("The build contract (Markdown).", max_len=vocab.MAX_BODY),
    "assignee": s.text("Who does it.", max_len=200), "tags": s.TAGS,
    "goal_id": s.nullable(s.GOAL_ID),
    "x": s.number("Canvas x; omit to lay out automatically.", minimum=-1e7, maximum=1e7),
    "y": s.number("Canvas y; omit to lay out automatically.", minimum=-1e7, maximum=1e7),
}, required=["key", "label"])
_PLAN_EDGE = s.strict_object({
    "from": s.text("Key of the task that comes first (for depends_on: the dependent task).", max_len=100),
    "to": s.text("Key of the other task.", max_len=100),
    "label": s.choice(vocab.EDGE_LABELS, "Default depends_on: 'from' depends on 'to'. With blocks, feeds or "
                      "enables, 'from' must be done before 'to' can start."),
    "style": s.choice(vocab.EDGE_STYLES, "Line style."),
}, required=["from", "to"])
_PLAN_DOCUMENT = s.strict_object({
    "key": s.text("Your own key for this document.", max_len=100),
    "title": s.text("Title, e.g. 'Design: upload retries'.", max_len=vocab.MAX_LABEL, min_len=1),
    "body": s.text("Markdown body.", max_len=vocab.MAX_BODY),
    "status_line": s.text("e.g. 'Status: Ready to implement'.", max_len=vocab.MAX_LABEL),
    "link_to": {"anyOf": [s.text("A task or document key.", max_len=100),
                          s.array(s.text("A task or document key.", max_len=100), "Keys.", max_items=200)],
                "description": "Key(s) of tasks or documents this document covers."},
}, required=["title"])


@TOOLS.tool("scaffold_project_from_plan", title="Scaffold a plan",
            description="Create a whole plan atomically: a new project (pass name) or more work in an existing "
                        "one (pass project_id), with tasks, dependency edges and documents that refer to each "
                        "other by your own keys. Everything is created or nothing is. Returns key_to_id mapping "
                        "your keys to the new ids.",
            params={"project_id": s.PROJECT_ID, "name": _NAME, "description": _DESCRIPTION,
                    "goal_id": s.nullable(s.GOAL_ID),
                    "tasks": s.array(_PLAN_TASK, "The tasks (at least one).", max_items=1000, min_items=1),
                    "edges": s.array(_PLAN_EDGE, "Dependencies between the tasks, by key.", max_items=3000),
                    "documents": s.array(_PLAN_DOCUMENT, "Documents, linked by key.", max_items=200)},
            required=["tasks"], output={"type": "object", "properties": {
                "key_to_id": {"type": "object", "description": "Your keys mapped to the new ids."},
                "project": shapes.PROJECT}, "required": ["key_to_id"]})
def scaffold_project_from_plan(call: ToolCall, a: dict) -> dict:
    from plandesk.core import scaffold
    return scaffold.scaffold_project_from_plan(call.db, call.actor, a)
