"""MCP tools for tasks: create, read, update, list, tags, the ready frontier, claims with leases, the graph."""

from __future__ import annotations

from plandesk.core import graph, tasks, vocab
from plandesk.core.errors import Conflict
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_LABEL = s.text("Imperative label: 'Verb noun in place', e.g. 'Add retry to the upload client'.",
                max_len=vocab.MAX_LABEL, min_len=1)
_FIELDS = {
    "status": s.STATUS, "kind": s.KIND, "priority": s.nullable(s.PRIORITY),
    "description": s.text("The build contract in Markdown: problem, action items, validation.",
                          max_len=vocab.MAX_BODY),
    "assignee": s.nullable(s.text("Who works on it.", max_len=200)),
    "due_date": s.nullable(s.text("Due date, YYYY-MM-DD.", max_len=40)),
    "tags": s.TAGS,
    "commit_refs": s.nullable(s.array(s.text("A git commit sha (7-40 hex).", max_len=40), "Commits that did "
                                      "the work; replaces the list.", max_items=50)),
    "x": s.number("Canvas x.", minimum=-1e7, maximum=1e7), "y": s.number("Canvas y.", minimum=-1e7, maximum=1e7),
    "goal_id": s.nullable(s.uuid("Goal this task serves; omitted on create = the project's current goal.")),
}
_AGENT_REF = s.text("Who is claiming: a stable name for this agent, e.g. 'claude-code@laptop#2'.", max_len=200,
                    min_len=1)
_LEASE = s.integer(f"How long the claim holds without renewal, in seconds (default {vocab.DEFAULT_LEASE_SECONDS}).",
                   minimum=10, maximum=vocab.MAX_LEASE_SECONDS)


@TOOLS.tool("create_task", title="Create a task",
            description="Add a task to a project. Create it in todo (ready to be worked on) or scope (a person "
                        "releases it later); never straight into in_progress. Search first to avoid duplicates.",
            params={"project_id": s.PROJECT_ID, "label": _LABEL, **_FIELDS},
            required=["project_id", "label"], output=shapes.TASK)
def create_task(call: ToolCall, a: dict) -> dict:
    return tasks.create_task(call.db, call.actor, a.pop("project_id"), a)


@TOOLS.tool("update_task", title="Update a task", idempotent=True,
            description="Change a task: only the fields you pass change; tags and commit_refs replace the whole "
                        "list. Moving status away from in_progress drops any claim. Pass the version you read: "
                        "if a person edited the task since, you get a conflict instead of overwriting them.",
            params={"task_id": s.TASK_ID, "label": _LABEL, **_FIELDS, "version": s.VERSION},
            required=["task_id"], output=shapes.TASK)
def update_task(call: ToolCall, a: dict) -> dict:
    return tasks.update_task(call.db, call.actor, a.pop("task_id"), a)


@TOOLS.tool("get_task", read_only=True, title="Get a task",
            description="One task in full: description, tags, claim and lease, version.",
            params={"task_id": s.TASK_ID}, required=["task_id"], output=shapes.TASK)
def get_task(call: ToolCall, a: dict) -> dict:
    return tasks.get_task(call.db, call.actor, a["task_id"])


@TOOLS.tool("list_tasks", read_only=True, title="List tasks",
            description="Tasks of a project, filtered by status, kind, priority, tags (any of), assignee or goal. "
                        "Descriptions are cut to a preview unless verbose is true. Paged.",
            params={"project_id": s.PROJECT_ID,
                    "status": s.array(s.STATUS, "Any of these statuses.", max_items=len(vocab.TASK_STATUSES)),
                    "kind": s.KIND, "priority": s.PRIORITY,
                    "tags": s.array(s.text("Tag name.", max_len=63), "Tasks with any of these tags.", max_items=50),
                    "assignee": s.text("Exact assignee.", max_len=200), "goal_id": s.GOAL_ID,
                    "limit": s.LIMIT, "cursor": s.CURSOR, "verbose": s.VERBOSE},
            required=["project_id"], output=s.page_of(shapes.TASK))
def list_tasks(call: ToolCall, a: dict) -> dict:
    return tasks.list_tasks(call.db, call.actor, a["project_id"], status=a.get("status"), kind=a.get("kind"),
                            priority=a.get("priority"), tags_any=a.get("tags"), assignee=a.get("assignee"),
                            goal_id=a.get("goal_id"), limit=a.get("limit"), cursor=a.get("cursor"),
                            verbose=bool(a.get("verbose", False)))


@TOOLS.tool("list_tags", read_only=True, title="List tags",
            description="The tags used in a project, by name. Reuse these names in create_task and update_task rather "
                        "than inventing near-duplicates.",
            params={"project_id": s.PROJECT_ID}, required=["project_id"], output=s.list_of("tags", shapes.TAG))
def list_tags(call: ToolCall, a: dict) -> dict:
    return {"tags": tasks.list_tags(call.db, call.actor, a["project_id"])}


@TOOLS.tool("get_next_task", read_only=True, title="Get the next ready task",
            description="The next todo task whose prerequisites are all done, for the project's current goal "
                        "(or the goal you name), highest priority first; plus the blocked tasks and what each "
                        "waits on. Does not claim: call claim_task next. next_task is null with a reason "
                        "(no_todo_tasks, all_blocked, ambiguous_goal) when nothing is ready.",
            params={"project_id": s.PROJECT_ID, "goal_id": s.GOAL_ID,
                    "goal": s.text("Goal by name instead of id.", max_len=vocab.MAX_NAME),
                    "tags": s.array(s.text("Tag name.", max_len=63), "Only tasks with any of these tags.",
                                    max_items=50), "verbose": s.VERBOSE},
            required=["project_id"], output={"type": "object", "properties": {
                "next_task": {"anyOf": [shapes.TASK, {"type": "null"}]}, "blocked": {"type": "array"},
                "ready_count": {"type": "integer"}, "reason": {"type": "string"}}, "required": ["next_task"]})
def get_next_task(call: ToolCall, a: dict) -> dict:
    return graph.get_next_task(call.db, call.actor, a["project_id"], goal_id=a.get("goal_id"), goal=a.get("goal"),
                               tags_any=a.get("tags"), verbose=bool(a.get("verbose", False)))


@TOOLS.tool("claim_task", title="Claim a task", idempotent=False,
            description="Take a todo task: it moves to in_progress with you as assignee and a lease. Exactly one "
                        "of several agents claiming at once wins. Check `claimed`: when false, `held_by` says who "
                        "has it (or `reason` says why it cannot be claimed); pick another task. Keep the lease "
                        "alive with renew_claim or by recording progress on a run linked to the task; an expired "
                        "lease puts the task back in todo.",
            params={"task_id": s.TASK_ID, "agent_ref": _AGENT_REF, "lease_seconds": _LEASE},
            required=["task_id", "agent_ref"], output={"type": "object", "properties": {
                "claimed": {"type": "boolean"}, "task": shapes.TASK, "lease_expires_at": s.STRING_OR_NULL,
                "held_by": s.STRING_OR_NULL, "reason": {"type": "string", "enum": ["held", "blocked", "not_todo"]},
                "message": {"type": "string"}}, "required": ["claimed"]})
def claim_task(call: ToolCall, a: dict) -> dict:
    try:
        return graph.claim_task(call.db, call.actor, a["task_id"], a["agent_ref"],
                                lease_seconds=a.get("lease_seconds"))
    except Conflict as exc:
        # Losing a race is an expected answer, not a failure: the agent branches on `claimed`.
        extra = exc.extra
        reason = "held" if "held_by" in extra else "blocked" if "waiting_on" in extra else "not_todo"
        out = {"claimed": False, "task_id": a["task_id"], "reason": reason, "message": exc.message}
        for key in ("held_by", "lease_expires_at", "waiting_on"):
            if key in extra:
                out[key] = extra[key]
        if "current_status" in extra or "status" in extra:
            out["status"] = extra.get("current_status", extra.get("status"))
        return out


@TOOLS.tool("renew_claim", title="Renew a claim", idempotent=True,
            description="Extend the lease on a task you hold (from now, by lease_seconds). Fails with a conflict "
                        "if the lease already expired or someone else holds the task.",
            params={"task_id": s.TASK_ID, "agent_ref": _AGENT_REF, "lease_seconds": _LEASE},
            required=["task_id"], output={"type": "object", "properties": {
                "task_id": {"type": "string"}, "claimed_by": s.STRING_OR_NULL, "lease_expires_at": {"type": "string"}},
                "required": ["task_id", "lease_expires_at"]})
def renew_claim(call: ToolCall, a: dict) -> dict:
    return graph.renew_claim(call.db, call.actor, a["task_id"], a.get("agent_ref"),
                             lease_seconds=a.get("lease_seconds"))


@TOOLS.tool("release_task", title="Release a task",
            description="Give a claimed task back: it returns to todo with no assignee, for someone else. Say why "
                        "in reason (it is kept in the audit log).",
            params={"task_id": s.TASK_ID, "agent_ref": _AGENT_REF,
                    "reason": s.text("Why you are giving it back.", max_len=2000)},
            required=["task_id"], output={"type": "object", "properties": {
                "released": {"type": "boolean"}, "task": shapes.TASK}, "required": ["released"]})
def release_task(call: ToolCall, a: dict) -> dict:
    return graph.release_task(call.db, call.actor, a["task_id"], a.get("agent_ref"), reason=a.get("reason"))


@TOOLS.tool("get_task_graph", read_only=True, title="Get the task graph",
            description="The dependency graph of a project (or one goal): each task's prerequisites, fan-in and "
                        "depth, the roots, any cycles, and which scope tasks would be ready if released.",
            params={"project_id": s.PROJECT_ID, "goal_id": s.GOAL_ID}, required=["project_id"],
            output={"type": "object", "properties": {"nodes": {"type": "array"}, "roots": {"type": "array"},
                                                     "cycles": {"type": "array"}}, "required": ["nodes"]})
def get_task_graph(call: ToolCall, a: dict) -> dict:
    return graph.task_graph(call.db, call.actor, a["project_id"], goal_id=a.get("goal_id"))
