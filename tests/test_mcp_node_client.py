"""A third-party client: the official TypeScript MCP SDK lists and calls Plan Desk's tools with a bearer header."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from mcp_support import mint

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "mcp_client.mjs"

pytestmark = [
    pytest.mark.skipif(
        shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir(),
        reason="node and tests/node/node_modules are needed (npm ci in tests/node)",
    ),
    pytest.mark.server("port"),  # a third-party client in another process needs a real socket
]


def _run_node(script: Path, *args: str, timeout: float) -> dict:
    """Run one of tests/node's scripts; its report is the JSON on the last line it prints."""
    proc = subprocess.run(
        ["node", str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=NODE_DIR,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def node_report(port_server, owner_token) -> dict:
    return _run_node(SCRIPT, port_server.mcp_url, owner_token, timeout=120)


def test_the_typescript_sdk_lists_the_work_loop_with_strict_schemas(node_report):
    tools = {t["name"]: t for t in node_report["tools"]}
    assert {"list_projects", "create_task", "claim_next_task", "update_task"} <= set(tools)
    assert all(t["strict"] for t in tools.values())
    assert {n for n, t in tools.items() if t["hasOutputSchema"]} == {"claim_next_task", "get_next_task"}
    assert tools["list_tasks"]["readOnly"] is True
    assert tools["create_task"]["readOnly"] is None
    assert node_report["server"]["name"] == "plandesk"


def test_the_typescript_sdk_calls_tools_and_accepts_their_structured_results(node_report):
    assert node_report["project"]["isError"] is False
    assert node_report["project"]["id"]
    assert node_report["task"] == {"isError": False, "status": "todo"}
    assert node_report["claim"]["claimed"] is True
    assert node_report["claim"]["task"]["assignee"] == "ts-agent"


def test_the_typescript_sdk_sees_a_readable_error_for_bad_arguments(node_report):
    assert node_report["bad"]["isError"] is True
    assert node_report["bad"]["text"].startswith("unknown argument 'colour'")


def test_the_typescript_sdk_is_refused_with_a_wrong_token(node_report):
    refusal = node_report["wrongToken"]
    assert refusal["connected"] is False
    assert "401" in refusal["message"]
    assert "the token is unknown" in refusal["message"]


AGENT = NODE_DIR / "agent_loop.mjs"
PLAN_TASKS = 10


def test_a_scripted_agent_takes_a_ten_task_plan_to_done_with_the_default_tools_and_no_invalid_call(server):
    api = server.client()
    plan = {
        "name": "Ten tasks for a scripted agent",
        "tasks": [
            {"key": f"t{i}", "label": f"Build part {i}", "description": f"Part {i} of the plan."}
            for i in range(PLAN_TASKS)
        ],
        "edges": [
            {"from": "t1", "to": "t0"},
            {"from": "t2", "to": "t0"},
            {"from": "t3", "to": "t1"},
            {"from": "t3", "to": "t2"},
            {"from": "t9", "to": "t8"},
        ],
    }
    r = api.post("/api/v1/projects/scaffold", json=plan)
    assert r.status_code == 201, r.text
    project_id = r.json()["project"]["id"]
    token = mint(server, "scripted agent")  # a default token: the work loop only
    report = _run_node(AGENT, server.mcp_url, token, project_id, "ts-agent@test#1", timeout=300)
    assert report["invalid"] == []
    assert set(report["called"]) <= set(report["listed"])
    assert len(report["done"]) == PLAN_TASKS
    assert report["finalReason"] == "no_todo_tasks"
    board = api.get(f"/api/v1/projects/{project_id}/tasks", params={"limit": 100}).json()["items"]
    assert {t["status"] for t in board} == {"done"}
    assert len(board) == PLAN_TASKS
