"""MCP tools for goals and agent runs through the SDK client against a server server, and the audit trail of an
agent's writes (token, run and client name)."""

from __future__ import annotations

import pytest
from mcp_support import error, mcp_client, mint, ok

pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def mcp(server, owner_token):
    async with mcp_client(server, owner_token, client_name="goal-runner") as c:
        yield c


@pytest.fixture
async def project(mcp) -> dict:
    return await ok(mcp, "create_project", {"name": "Goals and runs"})


CHECKLIST = {"kind": "acceptance_checklist", "items": ["Uploads retry three times", "Errors are logged"]}


# ----- goals -----


async def test_a_goal_is_created_read_listed_updated_and_made_current(mcp, project):
    g = await ok(
        mcp,
        "create_goal",
        {
            "project_id": project["id"],
            "name": "Reliable uploads",
            "objective": "Uploads survive flaky networks",
            "verification_surface": CHECKLIST,
            "budget": "two days",
        },
    )
    assert g["status"] == "active"
    assert len(g["verification_surface"]["items"]) == 2
    assert (await ok(mcp, "get_goal", {"goal_id": g["id"]}))["objective"] == "Uploads survive flaky networks"
    assert [x["id"] for x in (await ok(mcp, "list_goals", {"project_id": project["id"]}))["items"]] == [
        g["id"]
    ]
    u = await ok(
        mcp,
        "update_goal",
        {"goal_id": g["id"], "stop_condition": "Ask after 3 failed tries", "version": g["version"]},
    )
    assert u["stop_condition"] == "Ask after 3 failed tries"
    assert "version" in await error(
        mcp, "update_goal", {"goal_id": g["id"], "budget": "x", "version": g["version"]}
    )
    assert (await ok(mcp, "goal_action", {"action": "set_current", "goal_id": g["id"]}))["is_current"] is True
    assert (await ok(mcp, "get_project", {"project_id": project["id"]}))["current_goal_id"] == g["id"]


async def test_invoking_a_goal_hands_back_its_first_ready_task(mcp, project):
    g = await ok(mcp, "create_goal", {"project_id": project["id"], "objective": "Ship search"})
    msg = await error(mcp, "goal_action", {"action": "invoke", "goal_id": g["id"]})
    assert "no todo tasks" in msg
    t = await ok(
        mcp, "create_task", {"project_id": project["id"], "label": "Index the docs", "goal_id": g["id"]}
    )
    out = await ok(mcp, "goal_action", {"action": "invoke", "goal_id": g["id"]})
    assert out["next_task"]["id"] == t["id"]
    assert out["goal"]["is_current"] is True


async def test_pausing_and_resuming_a_goal(mcp, project):
    g = await ok(mcp, "create_goal", {"project_id": project["id"], "objective": "Pause me"})
    assert (await ok(mcp, "goal_action", {"action": "pause", "goal_id": g["id"]}))["status"] == "paused"
    assert "resume it first" in await error(mcp, "goal_action", {"action": "invoke", "goal_id": g["id"]})
    assert (await ok(mcp, "goal_action", {"action": "resume", "goal_id": g["id"]}))["status"] == "active"


async def test_completing_a_goal_needs_matching_evidence_and_finished_tasks(mcp, project):
    g = await ok(
        mcp,
        "create_goal",
        {"project_id": project["id"], "objective": "Checked", "verification_surface": CHECKLIST},
    )
    t = await ok(mcp, "create_task", {"project_id": project["id"], "label": "Do it", "goal_id": g["id"]})
    items = [i["id"] for i in g["verification_surface"]["items"]]
    assert "needs evidence" in await error(mcp, "goal_action", {"action": "complete", "goal_id": g["id"]})
    assert "match no criterion" in await error(
        mcp,
        "goal_action",
        {"action": "complete", "goal_id": g["id"], "evidence": {"checked": ["Vibes are good"]}},
    )
    assert "not done yet" in await error(
        mcp, "goal_action", {"action": "complete", "goal_id": g["id"], "evidence": {"checked": items}}
    )
    assert "unknown argument 'evidence.screenshot'" in await error(
        mcp, "goal_action", {"action": "complete", "goal_id": g["id"], "evidence": {"screenshot": "x"}}
    )
    await ok(mcp, "update_task", {"task_id": t["id"], "status": "done", "version": t["version"]})
    done = await ok(
        mcp, "goal_action", {"action": "complete", "goal_id": g["id"], "evidence": {"checked": items}}
    )
    assert done["completed"] is True
    assert done["goal"]["status"] == "complete"
    assert "already complete" in await error(
        mcp, "goal_action", {"action": "complete", "goal_id": g["id"], "evidence": {"checked": items}}
    )
    assert "goal is complete" in await error(mcp, "goal_action", {"action": "pause", "goal_id": g["id"]})
    assert "goal is complete" in await error(mcp, "goal_action", {"action": "resume", "goal_id": g["id"]})


async def test_goal_errors_name_the_field(mcp, project):
    assert await error(mcp, "create_goal", {"project_id": project["id"]}) == "objective is required"
    assert "verification_surface.kind must be one of" in await error(
        mcp,
        "create_goal",
        {"project_id": project["id"], "objective": "x", "verification_surface": {"kind": "vibes"}},
    )
    assert "unknown argument 'status'" in await error(
        mcp, "update_goal", {"goal_id": MISSING, "status": "complete"}
    )
    assert "not found" in await error(mcp, "get_goal", {"goal_id": MISSING})
    for action in ("set_current", "invoke", "pause", "resume", "complete"):
        assert "not found" in await error(mcp, "goal_action", {"action": action, "goal_id": MISSING}), action
    assert "evidence goes with action complete only" in await error(
        mcp, "goal_action", {"action": "pause", "goal_id": MISSING, "evidence": {"approved": True}}
    )
    assert "not found" in await error(mcp, "update_goal", {"goal_id": MISSING, "budget": "x", "version": 1})
    assert "not found" in await error(mcp, "list_goals", {"project_id": MISSING})
    assert (await ok(mcp, "list_goals", {"project_id": project["id"]}))["total"] == 0


# ----- agent runs -----


async def test_a_run_records_typed_events_linked_tasks_token_and_client(server, mcp, project, owner_token):
    t = await ok(mcp, "create_task", {"project_id": project["id"], "label": "Wire the retries"})
    run = await ok(
        mcp, "start_agent_run", {"project_id": project["id"], "label": "Retries", "task_ids": [t["id"]]}
    )
    assert run["status"] == "running"
    assert run["task_ids"] == [t["id"]]
    assert run["client_name"] == "goal-runner"
    assert run["token_id"]
    for kind in ("progress", "decision", "artifact", "error"):
        ev = await ok(
            mcp,
            "record_agent_progress",
            {"run_id": run["id"], "message": f"a {kind}", "kind": kind, "data": {"n": 1}},
        )
        assert ev["event"]["kind"] == kind
        assert ev["event"]["data"] == {"n": 1}
    done = await ok(
        mcp,
        "complete_agent_run",
        {"run_id": run["id"], "status": "completed", "summary": "Retries wired; docs left"},
    )
    assert done["status"] == "completed"
    assert done["summary"] == "Retries wired; docs left"
    got = await ok(mcp, "get_agent_run", {"run_id": run["id"]})
    assert [e["kind"] for e in got["events"]] == ["progress", "decision", "artifact", "error"]
    assert got["duration_seconds"] >= 0
    listed = await ok(mcp, "list_agent_runs", {"project_id": project["id"], "status": "completed"})
    assert [r["id"] for r in listed["items"]] == [run["id"]]
    rest = server.client().get(f"/api/v1/agent-runs/{run['id']}")  # what the UI shows
    assert rest.status_code == 200
    assert rest.json()["client_name"] == "goal-runner"
    assert len(rest.json()["events"]) == 4


async def test_run_errors(mcp, project):
    run = await ok(mcp, "start_agent_run", {"project_id": project["id"]})
    assert "kind must be one of: progress, decision, artifact, error" in await error(
        mcp, "record_agent_progress", {"run_id": run["id"], "message": "x", "kind": "gossip"}
    )
    assert await error(mcp, "record_agent_progress", {"run_id": run["id"]}) == "message is required"
    assert "not found" in await error(
        mcp, "start_agent_run", {"project_id": project["id"], "task_ids": [MISSING]}
    )
    await ok(mcp, "complete_agent_run", {"run_id": run["id"], "status": "cancelled"})
    assert "run is cancelled" in await error(
        mcp, "record_agent_progress", {"run_id": run["id"], "message": "late"}
    )
    assert "already cancelled" in await error(mcp, "complete_agent_run", {"run_id": run["id"]})
    assert "status must be one of: completed, failed, cancelled" in await error(
        mcp, "complete_agent_run", {"run_id": run["id"], "status": "running"}
    )
    for tool in ("get_agent_run", "complete_agent_run"):
        assert "not found" in await error(mcp, tool, {"run_id": MISSING}), tool
    assert "not found" in await error(mcp, "list_agent_runs", {"project_id": MISSING})


async def test_every_write_while_a_run_is_open_is_audited_with_token_and_run(server, project):
    token = mint(server, "audited agent")
    async with mcp_client(server, token, client_name="audit-probe") as c:
        before_run = await ok(c, "create_task", {"project_id": project["id"], "label": "Before the run"})
        run = await ok(c, "start_agent_run", {"project_id": project["id"], "label": "Audited"})
        during = await ok(c, "create_task", {"project_id": project["id"], "label": "During the run"})
        await ok(c, "update_task", {"task_id": during["id"], "status": "done", "version": during["version"]})
        # claim_next_task looks the open run up inside its batch, not in the dispatcher: the same rule.
        claimed = await ok(c, "claim_next_task", {"project_id": project["id"], "agent_ref": "auditor"})
        await ok(c, "complete_agent_run", {"run_id": run["id"]})
        after = await ok(c, "create_task", {"project_id": project["id"], "label": "After the run"})
    entries = (
        server.client().get(f"/api/v1/projects/{project['id']}/audit", params={"limit": 100}).json()["items"]
    )
    by_target = {}
    for e in entries:
        by_target.setdefault((e["action"], e["target_id"]), e)
    token_id = run["token_id"]
    assert by_target[("task.create", before_run["id"])]["token_id"] == token_id
    assert by_target[("task.create", before_run["id"])]["run_id"] is None
    for key in (
        ("task.create", during["id"]),
        ("task.update", during["id"]),
        ("task.claim", claimed["task"]["id"]),
    ):
        assert by_target[key]["token_id"] == token_id, key
        assert by_target[key]["run_id"] == run["id"], key
    assert by_target[("task.create", after["id"])]["run_id"] is None
    assert run["client_name"] == "audit-probe"
