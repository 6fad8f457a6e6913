"""MCP tools for goals: a contract (objective, verification, limits), the current goal, completion on evidence."""

from __future__ import annotations

from plandesk.core import vocab
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_CONTRACT_TEXT = 20_000
_SURFACE = s.strict_object({
    "kind": s.choice(vocab.VERIFICATION_SURFACES, "How completion is verified."),
    "command": s.text("gate_command: the command whose exit status decides.", max_len=2000),
    "items": s.array({"anyOf": [s.text("A criterion.", max_len=2000),
                                s.strict_object({"id": s.text("Existing item id.", max_len=64),
                                                 "criterion": s.text("The criterion.", max_len=2000)},
                                                required=["criterion"])]},
                     "acceptance_checklist: the criteria; the server gives each a stable id.", max_items=100),
    "approver": s.text("human_sign_off: who signs off.", max_len=vocab.MAX_NAME),
}, required=["kind"], description="gate_command {command}, acceptance_checklist {items} or human_sign_off "
                                  "{approver?}.")
_CONTRACT = {
    "name": s.text("Short unique name within the project.", max_len=vocab.MAX_NAME),
    "objective": s.text("What done means, in one or two sentences.", max_len=_CONTRACT_TEXT, min_len=1),
    "constraints": s.text("Rules the work must keep.", max_len=_CONTRACT_TEXT),
    "boundaries": s.text("What is out of bounds.", max_len=_CONTRACT_TEXT),
    "iteration_policy": s.text("How to iterate when a check fails.", max_len=_CONTRACT_TEXT),
    "stop_condition": s.text("When to stop and ask a person.", max_len=_CONTRACT_TEXT),
    "budget": s.text("Time or cost budget.", max_len=_CONTRACT_TEXT),
}
_GOAL_ID_ONLY = {"goal_id": s.GOAL_ID}
_GOAL_RESULT = {"type": "object", "properties": {"goal": shapes.GOAL, "next_task": {"anyOf": [shapes.TASK,
                                                                                             {"type": "null"}]}}}


@TOOLS.tool("create_goal", title="Create a goal",
            description="A goal is a contract for a body of work: objective, how completion is verified, and its "
                        "limits. Tasks are assigned to it with goal_id; get_next_task works through the current "
                        "goal.",
            params={"project_id": s.PROJECT_ID, **_CONTRACT, "verification_surface": _SURFACE,
                    "status": s.choice(("active", "paused"), "Start active (default) or paused.")},
            required=["project_id", "objective"], output=shapes.GOAL)
def create_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.create_goal(call.db, call.actor, a.pop("project_id"), a)


@TOOLS.tool("get_goal", read_only=True, title="Get a goal",
            description="A goal's contract, status, task counts per status and any dependency cycle among its "
                        "tasks (cycle_tasks).",
            params=_GOAL_ID_ONLY, required=["goal_id"], output=shapes.GOAL)
def get_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.get_goal(call.db, call.actor, a["goal_id"])


@TOOLS.tool("list_goals", read_only=True, title="List goals",
            description="A project's goals with their status, whether each is current, and task counts. Paged.",
            params={"project_id": s.PROJECT_ID, "limit": s.LIMIT, "cursor": s.CURSOR}, required=["project_id"],
            output=s.page_of(shapes.GOAL))
def list_goals(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.list_goals(call.db, call.actor, a["project_id"], limit=a.get("limit"), cursor=a.get("cursor"))


@TOOLS.tool("update_goal", title="Update a goal", idempotent=True,
            description="Change a goal's contract (not its status: use pause_goal, resume_goal, complete_goal). "
                        "Pass the version you read to refuse overwriting a newer edit.",
            params={"goal_id": s.GOAL_ID, **_CONTRACT, "verification_surface": s.nullable(_SURFACE),
                    "version": s.VERSION},
            required=["goal_id"], output=shapes.GOAL)
def update_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.update_goal(call.db, call.actor, a.pop("goal_id"), a)


@TOOLS.tool("set_current_goal", title="Set the current goal", idempotent=True,
            description="Make this the project's current goal: get_next_task and new tasks use it by default.",
            params=_GOAL_ID_ONLY, required=["goal_id"], output=shapes.GOAL)
def set_current_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.set_current_goal(call.db, call.actor, a["goal_id"])


@TOOLS.tool("invoke_goal", title="Invoke a goal",
            description="Start working on a goal: it becomes current, its tasks are checked for dependency cycles, "
                        "and the first ready task comes back in next_task. Fails with reason no_todo_tasks when "
                        "everything is still in scope (a person releases tasks to todo).",
            params=_GOAL_ID_ONLY, required=["goal_id"], output=_GOAL_RESULT)
def invoke_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.invoke_goal(call.db, call.actor, a["goal_id"])


@TOOLS.tool("pause_goal", title="Pause a goal", idempotent=True,
            description="Set an active or blocked goal aside (status paused); get_next_task no longer picks "
                        "it by default. resume_goal brings it back.",
            params=_GOAL_ID_ONLY, required=["goal_id"], output=shapes.GOAL)
def pause_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.pause_goal(call.db, call.actor, a["goal_id"])


@TOOLS.tool("resume_goal", title="Resume a goal", idempotent=True,
            description="Make a paused or blocked goal active again, after the reason it was set aside or blocked "
                        "is dealt with.",
            params=_GOAL_ID_ONLY, required=["goal_id"], output=shapes.GOAL)
def resume_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.resume_goal(call.db, call.actor, a["goal_id"])


_EVIDENCE = s.strict_object({
    "exit_code": s.integer("gate_command: the gate's exit status."),
    "command": s.text("gate_command: the command you ran.", max_len=2000),
    "approved_by": s.text("human_sign_off: who approved.", max_len=vocab.MAX_NAME),
    "approved": s.boolean("human_sign_off: approved (true) or rejected."),
    "checked": s.array(s.text("Item id or exact criterion.", max_len=2000), "acceptance_checklist: met.",
                       max_items=100),
    "failed": s.array(s.text("Item id or exact criterion.", max_len=2000), "acceptance_checklist: not met.",
                      max_items=100),
    "detail": s.text("What you observed.", max_len=_CONTRACT_TEXT),
}, description="Evidence matching the goal's verification surface.")


@TOOLS.tool("complete_goal", title="Complete a goal",
            description="Close a goal with evidence matching its verification surface (gate_command: exit_code; "
                        "acceptance_checklist: checked items; human_sign_off: approved_by). Fails closed: no "
                        "evidence, unmatched criteria or unfinished tasks are refused. Red evidence marks the goal "
                        "blocked and adds one scope task to fix it.",
            params={"goal_id": s.GOAL_ID, "evidence": _EVIDENCE}, required=["goal_id"],
            output={"type": "object", "properties": {"completed": {"type": "boolean"}, "green": {"type": "boolean"},
                                                     "goal": shapes.GOAL}, "required": ["completed"]})
def complete_goal(call: ToolCall, a: dict) -> dict:
    from plandesk.core import goals
    return goals.complete_goal(call.db, call.actor, a["goal_id"], evidence=a.get("evidence"))
