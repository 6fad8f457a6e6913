"""plandesk.client against a live server: sync and async, typed results, errors with their codes."""

from __future__ import annotations

import anyio
import pytest
from cli_support import create_token, run_cli

from plandesk.client import AsyncPlanDeskClient, AuthError, ConnectError, PlanDeskClient, ToolError
from plandesk.client.probe import probe

pytestmark = [pytest.mark.anyio, pytest.mark.server("port")]  # the CLI and MCP clients need a real port
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def token(port_server) -> str:
    r = port_server.client().post("/api/v1/tokens", json={"name": "client tests"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def test_sync_client_reads_its_configuration_from_the_environment(server, token, monkeypatch):
    monkeypatch.setenv("PLANDESK_URL", server.url)
    monkeypatch.setenv("PLANDESK_MCP_TOKEN", token)
    with PlanDeskClient() as pd:
        assert pd.mcp_url == server.mcp_url
        project = pd.create_project("Client project")
        assert pd.get_project(project["id"])["name"] == "Client project"


def test_sync_client_works_the_claim_loop(server, token):
    with PlanDeskClient(server.url, token) as pd:
        project = pd.create_project("Claim loop")
        first = pd.create_task(project["id"], "First", description="gate: true")
        second = pd.create_task(project["id"], "Second")
        pd.create_edge(project["id"], first["id"], second["id"], label="blocks")
        nxt = pd.get_next_task(project["id"])
        assert nxt["next_task"]["id"] == first["id"]
        won = pd.claim_task(first["id"], "bot-1", lease_seconds=60)
        assert won["claimed"] is True
        lost = pd.claim_task(first["id"], "bot-2")
        assert lost["claimed"] is False
        assert lost["held_by"] == "bot-1"
        assert pd.renew_claim(first["id"], "bot-1", lease_seconds=120)["claimed_by"] == "bot-1"
        done = pd.update_task(first["id"], status="done", version=won["task"]["version"])
        assert done["status"] == "done"
        assert pd.get_next_task(project["id"])["next_task"]["id"] == second["id"]
        nxt = pd.claim_next_task(project["id"], "bot-1")
        assert nxt["claimed"] is True
        assert nxt["task"]["id"] == second["id"]
        assert pd.claim_next_task(project["id"], "bot-2") == {
            "claimed": False,
            "task": None,
            "reason": "no_todo_tasks",
        }


def test_keyword_arguments_reach_the_server_and_none_clears_only_on_an_update(server, token):
    """create_* drop a None (not given); update_task sends it, which clears a field that can be empty."""
    with PlanDeskClient(server.url, token) as pd:
        project = pd.create_project("Keyword arguments")
        task = pd.create_task(project["id"], "Tagged", priority="high", tags=["api"], description=None)
        assert task["priority"] == "high"
        assert task["tags"] == ["api"]
        assert task["description"] == ""
        assert pd.update_task(task["id"], priority=None, version=task["version"])["priority"] is None
        doc = pd.create_document(project["id"], "Design: typed", body="Why.", link_to=task["id"])
        assert [link["id"] for link in doc["links"]] == [task["id"]]
        edge = pd.create_edge(project["id"], doc["id"], task["id"], from_type="document", label="documents")
        assert edge["from_type"] == "document"


def test_a_tool_refusal_raises_tool_error_with_the_servers_code(server, token):
    with PlanDeskClient(server.url, token) as pd:
        with pytest.raises(ToolError) as missing:
            pd.get_task(MISSING)
        assert missing.value.code == "not_found"
        assert missing.value.tool == "get_task"
        project = pd.create_project("Errors")
        with pytest.raises(ToolError) as bad:
            pd.create_task(project["id"], "x", status="finished")
        assert bad.value.code == "invalid_argument"
        assert bad.value.field == "status"


def test_a_revoked_token_raises_auth_error_naming_the_reason(server):
    raw = create_token(server.workspace, "soon revoked")
    run_cli(server.workspace, "token", "revoke", "soon revoked")
    with pytest.raises(AuthError) as refused, PlanDeskClient(server.url, raw):
        pass
    assert refused.value.reason == "revoked_token"


def test_a_missing_token_is_refused_before_any_request(server, monkeypatch):
    monkeypatch.delenv("PLANDESK_MCP_TOKEN", raising=False)
    with pytest.raises(AuthError) as refused, PlanDeskClient(server.url):
        pass
    assert refused.value.reason == "missing_token"


def test_an_unreachable_server_raises_connect_error(token):
    from conftest import free_port

    with pytest.raises(ConnectError), PlanDeskClient(f"http://127.0.0.1:{free_port()}", token, timeout=5):
        pass


async def test_async_client_does_the_same_work(server, token):
    with anyio.fail_after(60):
        async with AsyncPlanDeskClient(server.url, token) as pd:
            project = await pd.create_project("Async")
            task = await pd.create_task(project["id"], "Do it async")
            run = await pd.start_agent_run(project["id"], label="async run", task_ids=[task["id"]])
            await pd.record_agent_progress(run["id"], "halfway", data={"percent": 50})
            closed = await pd.complete_agent_run(run["id"], "completed", summary="all done")
            assert closed["status"] == "completed"
            assert closed["summary"] == "all done"
            events = (await pd.get_agent_run(run["id"]))["events"]
            assert [e["message"] for e in events] == ["halfway"]
            assert events[0]["data"] == {"percent": 50}
            with pytest.raises(ToolError) as refused:
                await pd.call("no_such_tool", {})
            assert "no_such_tool" in refused.value.message


def test_probe_reports_tool_count_and_protocol(server, token):
    result = probe(server.url, token)
    assert result.ok
    assert result.tool_count == len(result.tools)
    assert "claim_next_task" in result.tools
    assert result.protocol_version == "2025-11-25"
