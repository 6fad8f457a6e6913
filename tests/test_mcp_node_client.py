"""A third-party client: the official TypeScript MCP SDK lists and calls Plan Desk's tools with a bearer header."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_mcp_connection import live, owner_token  # noqa: F401

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "mcp_client.mjs"

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir(),
                                reason="node and tests/node/node_modules are needed (npm ci in tests/node)")


@pytest.fixture(scope="module")
def node_report(live, owner_token) -> dict:
    proc = subprocess.run(["node", str(SCRIPT), live.mcp_url, owner_token], capture_output=True, text=True,
                          timeout=120, cwd=NODE_DIR, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_typescript_sdk_lists_the_tools_with_their_schemas(node_report):
    tools = {t["name"]: t for t in node_report["tools"]}
    assert {"list_projects", "create_task", "claim_task", "scaffold_project_from_plan"} <= set(tools)
    assert all(t["strict"] and t["hasOutputSchema"] for t in tools.values())
    assert tools["list_tasks"]["readOnly"] is True and tools["create_task"]["readOnly"] is False
    assert node_report["server"]["name"] == "plandesk"


def test_the_typescript_sdk_calls_tools_and_accepts_their_structured_results(node_report):
    assert node_report["project"]["isError"] is False and node_report["project"]["id"]
    assert node_report["task"] == {"isError": False, "status": "todo"}
    assert node_report["claim"]["claimed"] is True and node_report["claim"]["task"]["assignee"] == "ts-agent"


def test_the_typescript_sdk_sees_a_readable_error_for_bad_arguments(node_report):
    assert node_report["bad"]["isError"] is True
    assert node_report["bad"]["text"].startswith("unknown argument 'colour'")


def test_the_typescript_sdk_is_refused_with_a_wrong_token(node_report):
    refusal = node_report["wrongToken"]
    assert refusal["connected"] is False
    assert "401" in refusal["message"] and "the token is unknown" in refusal["message"]
