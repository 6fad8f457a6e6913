"""MCP tools for goals (toolset "goals"): a contract, the current goal, and one tool for its lifecycle."""

from __future__ import annotations

from plandesk.core import goals, models
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup("goals")

TOOLS.writes_record(
    "create_goal",
    goals.create_goal,
    models.GoalIn,
    description="A goal is a contract for a body of work: objective, how completion is verified, limits. "
    "Tasks join it with goal_id; the next task comes from the current goal.",
    ids={"project_id": s.PROJECT_ID},
)


TOOLS.fetch_one(
    "get_goal",
    "goal_id",
    s.GOAL_ID,
    goals.get_goal,
    "A goal's contract, status, task counts and any dependency cycle (cycle_tasks).",
)


TOOLS.project_list(
    "list_goals",
    goals.list_goals,
    description="A project's goals: status, which is current, task counts. Paged.",
    paged=True,
)


TOOLS.updates_record(
    goals.update_goal,
    "Change a goal's contract (its status changes with goal_action).",
    leave_out=("status",),  # status changes by goal_action, where the lifecycle's rules are
)


_EVIDENCE = shapes.argument_object(models.Evidence)
GOAL_ACTIONS = ("set_current", "invoke", "pause", "resume", "complete")


@TOOLS.tool(
    "goal_action",
    description="set_current: the next task comes from this goal. invoke: set_current, check for cycles, "
    "return the first ready task. pause, resume. complete: with evidence; refused without "
    "it or with tasks left; red evidence blocks the goal and adds one scope task.",
    params={"goal_id": s.GOAL_ID, "action": s.choice(GOAL_ACTIONS), "evidence": _EVIDENCE},
    required=["goal_id", "action"],
)
def goal_action(call: ToolCall, a: dict) -> dict:
    action, goal_id = a["action"], a["goal_id"]
    if action == "complete":
        return goals.complete_goal(call.db, call.actor, goal_id, evidence=a.get("evidence"))
    if "evidence" in a:
        from plandesk.core.errors import InvalidArgument

        raise InvalidArgument("evidence goes with action complete only", field="evidence")
    act = {
        "set_current": goals.set_current_goal,
        "invoke": goals.invoke_goal,
        "pause": goals.pause_goal,
        "resume": goals.resume_goal,
    }[action]
    return act(call.db, call.actor, goal_id)
