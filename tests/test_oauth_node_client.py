"""A second, independent OAuth client: the TypeScript MCP SDK signs in to a live Plan Desk and calls a tool."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import start_server

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "oauth_client.mjs"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir(),
    reason="node and tests/node/node_modules are needed (npm ci in tests/node)",
)


def test_the_typescript_sdk_discovers_registers_signs_in_and_calls_a_tool(workspace):
    live = start_server(workspace)
    try:
        proc = subprocess.run(
            ["node", str(SCRIPT), f"{live.url}/mcp/"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=NODE_DIR,
            check=False,
        )
    finally:
        live.stop()
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == {
        "unauthorizedFirst": True,
        "state": "ts-state",
        "clientName": "TS Agent",
        "tokenPrefix": "plandesk_mcp_",
        "hasRefresh": True,
        "isError": False,
    }
