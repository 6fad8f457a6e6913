"""MCP tools for tasks: the work loop (next task, claims, read and change tasks) and the task graph."""

from __future__ import annotations

from plandesk.core import graph, models, tasks, vocab
from plandesk.core.claim_refusals import ClaimRefused
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_CLAIM_ARGS = shapes.arguments(models.ClaimIn)
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


TOOLS.create_and_update(
    tasks.create_task,
    tasks.update_task,
    "Add a task, in todo (ready) or scope (a person releases it). Search first: no duplicates.",
    "Change the fields you pass (tags, commit_refs replace the list). Leaving in_progress drops the claim.",
    leave_out=("x", "y"),  # where a person placed the card on the board: not an agent's business
)


TOOLS.fetch_one("get_task", "task_id", s.TASK_ID, tasks.get_task, "One task in full, with its version.")


TOOLS.project_list(
    "list_tasks",
    tasks.list_tasks,
    description="A project's tasks, filtered; descriptions are previews unless verbose. Paged.",
    filters={
        "status": s.array(s.STATUS, max_items=len(vocab.TASK_STATUSES)),
        "kind": s.KIND,
        "priority": s.PRIORITY,
        "tags": _TAG_FILTER,
        "assignee": s.text(max_len=vocab.MAX_AGENT_REF),
        "goal_id": s.GOAL_ID,
        "verbose": s.VERBOSE,
    },
    paged=True,
    renamed={"tags": "tags_any"},
    defaults={"verbose": False},  # the core's own callers (REST, pages) want full descriptions
)


TOOLS.calls(
    "claim_next_task",
    graph.claim_next_task,
    description="Take the next ready task (current goal, or goal_id), highest priority first, in one "
    "call: it moves to in_progress under agent_ref with a lease. claimed false: nothing is "
    "ready; reason says why.",
    params={"project_id": s.PROJECT_ID, "goal_id": s.GOAL_ID, "tags": _TAG_FILTER, **_CLAIM_ARGS},
    required=["project_id", "agent_ref"],
    output=_CLAIM,
    renamed={"tags": "tags_any"},
    run_in_core=True,
)


TOOLS.calls(
    "get_next_task",
    graph.get_next_task,
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
    renamed={"tags": "tags_any"},
)


TOOLS.calls(
    "renew_claim",
    graph.renew_claim,
    idempotent=True,
    description="Extend your lease from now. Recording progress on a run linked to the task does it too.",
    params={"task_id": s.TASK_ID, **_CLAIM_ARGS},
    required=["task_id"],
)


TOOLS.calls(
    "release_task",
    graph.release_task,
    description="Give a claimed task back to todo for someone else; say why.",
    params={"task_id": s.TASK_ID, **shapes.arguments(models.ReleaseIn)},
    required=["task_id"],
)


@TOOLS.tool(
    "claim_task",
    toolset="graph",
    description="Take one todo task by id (claim_next_task picks for you). claimed false: held_by or "
    "reason says why.",
    params={"task_id": s.TASK_ID, **_CLAIM_ARGS},
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


TOOLS.calls(
    "get_task_graph",
    graph.task_graph,
    toolset="graph",
    read_only=True,
    description="Dependencies of a project or goal: prerequisites, depth, roots, cycles, and what "
    "releasing scope tasks would make ready.",
    params={"project_id": s.PROJECT_ID, "goal_id": s.GOAL_ID},
    required=["project_id"],
)
