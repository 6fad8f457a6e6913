"""A refused claim is one value from the core: MCP's claim_task result and REST's 409 body carry the same fields."""

from __future__ import annotations

import pytest
from mcp_support import MCP_HEADERS

from plandesk.core import graph, tasks


@pytest.fixture
def held_task(core_app):
    db, owner, pid, client, token = core_app
    task = tasks.create_task(db, owner, pid, {"label": "contested"})
    graph.claim_task(db, owner, task["id"], "first-agent")
    return client, token, task["id"]


def test_rest_and_mcp_refuse_a_held_claim_with_the_same_fields(held_task):
    client, token, task_id = held_task
    auth = {"Authorization": f"Bearer {token}"}
    rest = client.post(f"/api/v1/tasks/{task_id}/claim", json={"agent_ref": "second-agent"}, headers=auth)
    assert rest.status_code == 409
    mcp = client.post(
        "/mcp/",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "claim_task", "arguments": {"task_id": task_id, "agent_ref": "second-agent"}},
        },
        headers={**MCP_HEADERS, **auth},
    ).json()["result"]["structuredContent"]
    assert mcp == {
        "claimed": False,
        "task_id": task_id,
        "reason": "held",
        "held_by": "first-agent",
        "lease_expires_at": mcp["lease_expires_at"],
        "message": mcp["message"],
    }
    assert {key: rest.json()[key] for key in mcp} == mcp
