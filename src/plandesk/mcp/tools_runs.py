"""MCP tools for agent runs: what an agent did, linked to its tasks, with typed events and a summary."""

from __future__ import annotations

from plandesk.core import vocab
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_RUN_ID = s.uuid("The run's id (from start_agent_run).")


@TOOLS.tool("start_agent_run", title="Start an agent run",
            description="Open a run at the start of any multi-step piece of work. It records this token and "
                        "client; every change you make while it is open is audited with it. Link the tasks you "
                        "work on (task_ids) so progress keeps their claims alive.",
            params={"project_id": s.PROJECT_ID, "label": s.text("What this run does.", max_len=vocab.MAX_LABEL),
                    "task_ids": s.array(s.TASK_ID, "Tasks this run works on.", max_items=200)},
            required=["project_id"], output=shapes.RUN)
def start_agent_run(call: ToolCall, a: dict) -> dict:
    from plandesk.core import runs
    return runs.start_agent_run(call.db, call.actor, a["project_id"], label=a.get("label"),
                                task_ids=a.get("task_ids"))


@TOOLS.tool("record_agent_progress", title="Record progress",
            description="Add an event to a running run, once per meaningful unit of work (not per tool call): "
                        "progress, a decision taken, an artifact made, or an error met. It also extends the "
                        "leases of the run's claimed tasks.",
            params={"run_id": _RUN_ID, "message": s.text("What happened.", max_len=10_000, min_len=1),
                    "kind": s.choice(vocab.RUN_EVENT_KINDS, "Event kind (default progress)."),
                    "data": s.free_object("Optional structured detail (plain JSON, up to 64 kB).")},
            required=["run_id", "message"], output={"type": "object", "properties": {
                "run_id": {"type": "string"}, "status": {"type": "string"}, "event": {"type": "object"}},
                "required": ["run_id", "event"]})
def record_agent_progress(call: ToolCall, a: dict) -> dict:
    from plandesk.core import runs
    return runs.record_agent_progress(call.db, call.actor, a["run_id"], a["message"], kind=a.get("kind", "progress"),
                                      data=a.get("data"))


@TOOLS.tool("complete_agent_run", title="Complete an agent run",
            description="Close a run before the session ends: completed, failed or cancelled, with a summary of "
                        "what was done and what is left.",
            params={"run_id": _RUN_ID, "status": s.choice(vocab.RUN_TERMINAL, "Outcome (default completed)."),
                    "summary": s.text("What was done, what is left.", max_len=20_000)},
            required=["run_id"], output=shapes.RUN)
def complete_agent_run(call: ToolCall, a: dict) -> dict:
    from plandesk.core import runs
    return runs.complete_agent_run(call.db, call.actor, a["run_id"], status=a.get("status", "completed"),
                                   summary=a.get("summary"))


@TOOLS.tool("list_agent_runs", read_only=True, title="List agent runs",
            description="A project's runs, newest first, with status, duration, linked tasks and the last event. "
                        "Paged.",
            params={"project_id": s.PROJECT_ID, "status": s.choice(vocab.RUN_STATUSES, "Only runs in this status."),
                    "limit": s.LIMIT, "cursor": s.CURSOR},
            required=["project_id"], output=s.page_of(shapes.RUN))
def list_agent_runs(call: ToolCall, a: dict) -> dict:
    from plandesk.core import runs
    return runs.list_agent_runs(call.db, call.actor, a["project_id"], status=a.get("status"), limit=a.get("limit"),
                                cursor=a.get("cursor"))


@TOOLS.tool("get_agent_run", read_only=True, title="Get an agent run",
            description="One run with its events (the latest 1000), linked tasks, duration, token and client.",
            params={"run_id": _RUN_ID}, required=["run_id"], output=shapes.RUN)
def get_agent_run(call: ToolCall, a: dict) -> dict:
    from plandesk.core import runs
    return runs.get_agent_run(call.db, call.actor, a["run_id"])
