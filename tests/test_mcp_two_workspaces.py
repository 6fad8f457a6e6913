"""Two apps in one process, each on its own workspace: each MCP endpoint answers from its own database (the
caller and workspace travel with the request, nothing is bound at module level)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from plandesk.app import create_app
from plandesk.cli.common import cli_actor
from plandesk.core import projects, tokens
from plandesk.core.workspace import initialise
from plandesk.settings import load_settings

HEADERS = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}


def _workspace(path, project_name: str):
    settings = load_settings(data_dir=str(path))
    db = initialise(settings)
    actor = cli_actor(db)
    projects.create_project(db, actor, {"name": project_name})
    token = tokens.create_token(db, actor, name="two apps", toolsets=["all"])["token"]
    return settings, db, token


def _call(client: TestClient, token: str, method: str, params: dict) -> dict:
    r = client.post(
        "/mcp/",
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
        headers={**HEADERS, "Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    return r.json()["result"]


@pytest.fixture
def two_apps(tmp_path):
    first = _workspace(tmp_path / "first", "Alpha plan")
    second = _workspace(tmp_path / "second", "Beta plan")
    with (
        TestClient(create_app(first[0], db=first[1]), base_url="http://127.0.0.1:8000") as a,
        TestClient(create_app(second[0], db=second[1]), base_url="http://127.0.0.1:8000") as b,
    ):
        yield (a, first[2]), (b, second[2])


def test_each_mcp_endpoint_answers_from_its_own_workspace(two_apps):
    (a, token_a), (b, token_b) = two_apps
    names_a = [
        p["name"]
        for p in _call(a, token_a, "tools/call", {"name": "list_projects", "arguments": {}})[
            "structuredContent"
        ]["items"]
    ]
    names_b = [
        p["name"]
        for p in _call(b, token_b, "tools/call", {"name": "list_projects", "arguments": {}})[
            "structuredContent"
        ]["items"]
    ]
    assert "Alpha plan" in names_a
    assert "Beta plan" not in names_a
    assert "Beta plan" in names_b
    assert "Alpha plan" not in names_b


def test_a_token_of_one_workspace_is_unknown_to_the_other(two_apps):
    (_a, token_a), (b, _token_b) = two_apps
    r = b.post(
        "/mcp/",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
        headers={**HEADERS, "Authorization": f"Bearer {token_a}"},
    )
    assert r.status_code == 401
