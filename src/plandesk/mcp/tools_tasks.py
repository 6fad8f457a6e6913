"""MCP tools for tasks: the work loop (next task, claims, read and change tasks) and the task graph."""

from __future__ import annotations

from plandesk.core import graph, tasks, vocab
from plandesk.core.claim_refusals import ClaimRefused
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_LABEL = s.text("Imperative, e.g. 'Add retry to the upload client'.", max_len=vocab.MAX_LABEL, min_len=1)
_FIELDS = {
    "status": s.STATUS,
    "kind": s.KIND,
    "priority": s.nullable(s.PRIORITY),
    "description": s.text(
        "Markdown: what done means; a line `gate: <command>` is the check.", max_len=vocab.MAX_BODY
    ),
    "assignee": s.nullable(s.text(max_len=vocab.MAX_AGENT_REF)),
    "due_date": s.nullable(s.text("YYYY-MM-DD", max_len=vocab.MAX_COMMIT_REF)),
    "tags": s.TAGS,
    "commit_refs": s.nullable(
        s.array(
            s.text(max_len=vocab.MAX_COMMIT_REF), "Commit shas; replaces the list.", max_items=vocab.MAX_TAGS
        )
    ),
    "goal_id": s.nullable(s.GOAL_ID),
}
_AGENT_REF = s.text(
    "Your stable agent name, e.g. 'claude-code@laptop#2'.", max_len=vocab.MAX_AGENT_REF, min_len=1
)
_LEASE = s.integer(
    f"Seconds the claim holds unless renewed (default {vocab.DEFAULT_LEASE_SECONDS}).",
    minimum=10,
    maximum=vocab.MAX_LEASE_SECONDS,
)
_TAG_FILTER = s.array(s.text(max_len=vocab.MAX_TAG), "Any of these tags.", max_items=vocab.MAX_TAGS)
_CLAIM_REASONS = [
    "held",
    "blocked",
    "not_todo",
    "no_todo_tasks",
    "all_blocked",
    "ambiguous_goal",
    "no_active_goal",
    "contention",
]
_CLAIM = shapes.CLAIM


@TOOLS.tool(
    "create_task",
    description="Add a task, in todo (ready) or scope (a person releases it). Search first: no duplicates.",
    params={"project_id": s.PROJECT_ID, "label": _LABEL, **_FIELDS},
    required=["project_id", "label"],
)
def create_task(call: ToolCall, a: dict) -> dict:
    return tasks.create_task(call.db, call.actor, a.pop("project_id"), a)


@TOOLS.tool(
    "update_task",
    idempotent=True,
    description="Change the fields you pass (tags, commit_refs replace the list). Leaving in_progress "
    "drops the claim.",
    params={"task_id": s.TASK_ID, "version": s.VERSION, "label": _LABEL, **_FIELDS},
    required=["task_id", "version"],
)
def update_task(call: ToolCall, a: dict) -> dict:
    return tasks.update_task(call.db, call.actor, a.pop("task_id"), a)


TOOLS.fetch_one("get_task", "task_id", s.TASK_ID, tasks.get_task, "One task in full, with its version.")


@TOOLS.tool(
    "list_tasks",
    read_only=True,
    description="A project's tasks, filtered; descriptions are previews unless verbose. Paged.",
    params={
        "project_id": s.PROJECT_ID,
        "status": s.array(s.STATUS, max_items=len(vocab.TASK_STATUSES)),
        "kind": s.KIND,
        "priority": s.PRIORITY,
        "tags": _TAG_FILTER,
        "assignee": s.text(max_len=vocab.MAX_AGENT_REF),
        "goal_id": s.GOAL_ID,
        "limit": s.LIMIT,
        "cursor": s.CURSOR,
        "verbose": s.VERBOSE,
    },
    required=["project_id"],
)
def list_tasks(call: ToolCall, a: dict) -> dict:
    return tasks.list_tasks(
        call.db,
        call.actor,
        a["project_id"],
        status=a.get("status"),
        kind=a.get("kind"),
        priority=a.get("priority"),
        tags_any=a.get("tags"),
        assignee=a.get("assignee"),
        goal_id=a.get("goal_id"),
        limit=a.get("limit"),
        cursor=a.get("cursor"),
        verbose=bool(a.get("verbose", False)),
    )


@TOOLS.tool(
    "claim_next_task",
    description="Take the next ready task (current goal, or goal_id), highest priority first, in one "
    "call: it moves to in_progress under agent_ref with a lease. claimed false: nothing is "
    "ready; reason says why.",
    params={
        "project_id": s.PROJECT_ID,
        "agent_ref": _AGENT_REF,
        "goal_id": s.GOAL_ID,
        "tags": _TAG_FILTER,
        "lease_seconds": _LEASE,
    },
    required=["project_id", "agent_ref"],
    output=_CLAIM,
)
def claim_next_task(call: ToolCall, a: dict) -> dict:
    return graph.claim_next_task(
        call.db,
        call.actor,
        a["project_id"],
        a["agent_ref"],
        lease_seconds=a.get("lease_seconds"),
        goal_id=a.get("goal_id"),
        tags_any=a.get("tags"),
    )


@TOOLS.tool(
    "get_next_task",
    read_only=True,
    description="Look without claiming: the next ready task and the blocked ones with what each waits "
    "on. next_task null: reason says why.",
    params={
        "project_id": s.PROJECT_ID,
        "goal_id": s.GOAL_ID,
        "goal": s.text("Goal name instead of id.", max_len=vocab.MAX_NAME),
        "tags": _TAG_FILTER,
        "verbose": s.VERBOSE,
    },
    required=["project_id"],
    output=shapes.NEXT_TASK,
)
def get_next_task(call: ToolCall, a: dict) -> dict:
    return graph.get_next_task(
        call.db,
        call.actor,
        a["project_id"],
        goal_id=a.get("goal_id"),
        goal=a.get("goal"),
        tags_any=a.get("tags"),
        verbose=bool(a.get("verbose", False)),
    )


@TOOLS.tool(
    "renew_claim",
    idempotent=True,
    description="Extend your lease from now. Recording progress on a run linked to the task does it too.",
    params={"task_id": s.TASK_ID, "agent_ref": _AGENT_REF, "lease_seconds": _LEASE},
    required=["task_id"],
)
def renew_claim(call: ToolCall, a: dict) -> dict:
    return graph.renew_claim(
        call.db, call.actor, a["task_id"], a.get("agent_ref"), lease_seconds=a.get("lease_seconds")
    )


@TOOLS.tool(
    "release_task",
    description="Give a claimed task back to todo for someone else; say why.",
    params={"task_id": s.TASK_ID, "agent_ref": _AGENT_REF, "reason": s.text(max_len=vocab.MAX_REASON)},
    required=["task_id"],
)
def release_task(call: ToolCall, a: dict) -> dict:
    return graph.release_task(call.db, call.actor, a["task_id"], a.get("agent_ref"), reason=a.get("reason"))


@TOOLS.tool(
    "claim_task",
    toolset="graph",
    description="Take one todo task by id (claim_next_task picks for you). claimed false: held_by or "
    "reason says why.",
    params={"task_id": s.TASK_ID, "agent_ref": _AGENT_REF, "lease_seconds": _LEASE},
    required=["task_id", "agent_ref"],
    output=_CLAIM,
)
def claim_task(call: ToolCall, a: dict) -> dict:
    try:
        return graph.claim_task(
            call.db, call.actor, a["task_id"], a["agent_ref"], lease_seconds=a.get("lease_seconds")
        )
    except ClaimRefused as exc:
        # Losing a race is an expected answer, not a failure: the agent branches on `claimed`.
        return exc.result


@TOOLS.tool(
    "get_task_graph",
    toolset="graph",
    read_only=True,
    description="Dependencies of a project or goal: prerequisites, depth, roots, cycles, and what "
    "releasing scope tasks would make ready.",
    params={"project_id": s.PROJECT_ID, "goal_id": s.GOAL_ID},
    required=["project_id"],
)
def get_task_graph(call: ToolCall, a: dict) -> dict:
    return graph.task_graph(call.db, call.actor, a["project_id"], goal_id=a.get("goal_id"))


@TOOLS.tool(
    "list_tags",
    toolset="projects",
    read_only=True,
    description="A project's tags; reuse these names rather than near-duplicates.",
    params={"project_id": s.PROJECT_ID},
    required=["project_id"],
)
def list_tags(call: ToolCall, a: dict) -> dict:
    return {"tags": tasks.list_tags(call.db, call.actor, a["project_id"])}
