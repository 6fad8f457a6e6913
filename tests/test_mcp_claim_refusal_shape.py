"""A refused claim is one value from the core: MCP's claim_task result and REST's 409 body carry the same fields."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from plandesk.app import create_app
from plandesk.cli.common import cli_actor
from plandesk.core import graph, projects, tasks, tokens
from plandesk.core.workspace import initialise
from plandesk.settings import load_settings

MCP_HEADERS = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}


@pytest.fixture
def held_task(tmp_path):
    settings = load_settings(data_dir=str(tmp_path))
    db = initialise(settings)
    owner = cli_actor(db)
    project = projects.create_project(db, owner, {"name": "Refusals"})
    task = tasks.create_task(db, owner, project["id"], {"label": "contested"})
    graph.claim_task(db, owner, task["id"], "first-agent")
    token = tokens.create_token(db, owner, name="refusals", toolsets=["all"])["token"]
    with TestClient(create_app(settings, db=db), base_url="http://127.0.0.1:8000") as client:
        yield client, token, task["id"]


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
