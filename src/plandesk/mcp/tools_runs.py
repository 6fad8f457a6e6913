"""MCP tools for agent runs: what an agent did, linked to its tasks, with typed events and a summary."""

from __future__ import annotations

from plandesk.core import runs, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolGroup

TOOLS = ToolGroup()

_RUN_ID = s.uuid()


TOOLS.calls(
    "start_agent_run",
    runs.start_agent_run,
    description="Open a run for a piece of work; your changes are audited with it. Link the tasks you "
    "work on: progress then keeps their claims alive.",
    params={
        "project_id": s.PROJECT_ID,
        "label": s.text(max_len=vocab.MAX_LABEL),
        "task_ids": s.array(s.TASK_ID, max_items=200),
    },
    required=["project_id"],
)


TOOLS.calls(
    "record_agent_progress",
    runs.record_agent_progress,
    description="One event per meaningful step (not per tool call); extends the leases of the run's tasks.",
    params={
        "run_id": _RUN_ID,
        "message": s.text(max_len=10_000, min_len=1),
        "kind": s.choice(vocab.RUN_EVENT_KINDS, "Default progress."),
        "data": s.free_object("Optional JSON detail, up to 64 kB."),
    },
    required=["run_id", "message"],
)


TOOLS.calls(
    "complete_agent_run",
    runs.complete_agent_run,
    description="Close your run before you stop, with what was done and what is left.",
    params={
        "run_id": _RUN_ID,
        "status": s.choice(vocab.RUN_TERMINAL, "Default completed."),
        "summary": s.text(max_len=20_000),
    },
    required=["run_id"],
)


TOOLS.project_list(
    "list_agent_runs",
    runs.list_agent_runs,
    toolset="history",
    description="A project's runs, newest first, with linked tasks and the last event. Paged.",
    filters={"status": s.choice(vocab.RUN_STATUSES)},
    paged=True,
)


TOOLS.fetch_one(
    "get_agent_run",
    "run_id",
    _RUN_ID,
    runs.get_agent_run,
    "One run with its latest 1000 events and linked tasks.",
    toolset="history",
)
