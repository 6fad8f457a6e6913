"""Agent hooks and the skill over MCP: plandesk context, progress-checkpoint, the skill prompt and resource."""

from __future__ import annotations

import json
import subprocess

import anyio
import httpx2
import pytest
from cli_support import run_cli
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from plandesk.agents import skill
from plandesk.client import PlanDeskClient

pytestmark = [pytest.mark.anyio, pytest.mark.server("port")]  # the CLI and MCP clients need a real port


@pytest.fixture
def bound(server, tmp_path):
    repo = tmp_path / tmp_path.name
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    run_cli(server.workspace, "connect", "--repo", str(repo), "--url", server.url, "--new-project", repo.name)
    project_id = json.loads((repo / ".plandesk/config.json").read_text())["projectId"]
    with PlanDeskClient(server.url, (repo / ".plandesk/token").read_text().strip()) as client:
        yield repo, project_id, client


def _context(server, repo, cwd=None) -> dict:
    out = run_cli(server.workspace, "context", "--json", "--repo", str(repo), cwd=cwd)
    return json.loads(out.stdout)


def test_context_offers_the_next_ready_task_with_its_spec(server, bound):
    repo, project_id, client = bound
    task = client.create_task(project_id, "Add coupon codes", description="gate: true")
    doc = client.create_document(
        project_id,
        "Design: coupon codes",
        body="Codes are 8 characters.",
        status_line="Status: Ready to implement",
        link_to=task["id"],
    )
    ctx = _context(server, repo)
    assert ctx["projectId"] == project_id
    assert ctx["project"]["name"] == repo.name
    assert ctx["current_task"]["id"] == task["id"]
    assert ctx["current_task_source"] == "next_ready"
    assert [d["id"] for d in ctx["spec"]] == [doc["id"]]
    assert "8 characters" in ctx["spec"][0]["body"]
    assert ctx["open_run"] is None


def test_context_names_the_task_this_agent_claimed_and_its_open_run(server, bound):
    repo, project_id, client = bound
    client.create_task(project_id, "Ready but not mine")
    mine = client.create_task(project_id, "Mine")
    agent_ref = _context(server, repo)["agentRef"]
    assert client.claim_task(mine["id"], agent_ref)["claimed"] is True
    run = client.start_agent_run(project_id, label="coupon work", task_ids=[mine["id"]])
    ctx = _context(server, repo, cwd=repo)
    assert ctx["current_task"]["id"] == mine["id"]
    assert ctx["current_task_source"] == "claimed"
    assert ctx["open_run"]["id"] == run["id"]


def test_progress_checkpoint_appends_to_the_open_run(server, bound):
    repo, project_id, client = bound
    run = client.start_agent_run(project_id, label="session")
    out = run_cli(
        server.workspace, "progress-checkpoint", "--repo", str(repo), "--message", "tests pass locally"
    )
    assert run["id"] in out.stdout
    events = client.get_agent_run(run["id"])["events"]
    assert events[-1]["message"] == "tests pass locally"


def test_progress_checkpoint_without_an_open_run_records_nothing(server, bound):
    repo, project_id, client = bound
    done = client.start_agent_run(project_id, label="finished")
    client.complete_agent_run(done["id"], "completed")
    out = run_cli(server.workspace, "progress-checkpoint", "--repo", str(repo))
    assert "nothing recorded" in out.stdout
    assert all(e["message"] != "checkpoint (hook)" for e in client.get_agent_run(done["id"])["events"])


def test_hooks_outside_a_connected_repo_fail_clearly(server, tmp_path):
    out = run_cli(server.workspace, "context", "--json", cwd=tmp_path, check=False)
    assert out.returncode == 1
    assert "plandesk connect" in out.stderr


async def test_the_skill_is_served_as_a_prompt_and_a_resource(server, bound):
    repo, _, _ = bound
    token = (repo / ".plandesk/token").read_text().strip()
    with anyio.fail_after(60):
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
            Client(streamable_http_client(server.mcp_url, http_client=http), mode="legacy") as c,
        ):
            assert "plandesk_skill" in [p.name for p in (await c.list_prompts()).prompts]
            prompt = await c.get_prompt("plandesk_skill")
            assert "claim_next_task" in prompt.messages[0].content.text
            assert skill.SKILL_URI in [str(r.uri) for r in (await c.list_resources()).resources]
            read = await c.read_resource(skill.SKILL_URI)
            assert read.contents[0].text == skill.skill_markdown()
            assert read.contents[0].text == (repo / ".plandesk/skill.md").read_text()
