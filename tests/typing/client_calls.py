"""Calls to the Python client as a user's script makes them, checked by mypy in scripts/test (never run).

Each `type: ignore[...]` marks a call the client's types must refuse; mypy runs with --warn-unused-ignores, so
the check fails if a refusal stops happening (a misspelt field or a wrong value typed as Any again).
"""

from __future__ import annotations

from typing import assert_type

from plandesk.client import AsyncPlanDeskClient, PlanDeskClient
from plandesk.client.types import AgentRun, Claim, DocumentDetail, Task


def a_script(pd: PlanDeskClient) -> None:
    assert_type(pd.create_task("project", "Add retries", status="todo", tags=["api"], priority="high"), Task)
    assert_type(pd.update_task("task", priority=None, version=3), Task)
    assert_type(pd.claim_next_task("project", "bot-1", lease_seconds=60), Claim)
    assert_type(pd.complete_agent_run("run", summary="done"), AgentRun)
    pd.create_task("project", "Add retries", statuz="todo")  # type: ignore[call-arg]
    pd.create_task("project", "Add retries", status="finished")  # type: ignore[arg-type]
    pd.update_task("task", status=None)  # type: ignore[arg-type]
    pd.claim_task("task")  # type: ignore[call-arg]


async def an_orchestrator(pd: AsyncPlanDeskClient) -> None:
    assert_type(await pd.create_document("project", "Design: retries", link_to=["task"]), DocumentDetail)
    await pd.create_edge("project", "a", "b", label="sometimes")  # type: ignore[arg-type]
    await pd.create_document("project", "Design: retries", title="twice")  # type: ignore[misc]
