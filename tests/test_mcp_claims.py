"""Claims with leases over MCP: one winner among concurrent claimers, renew and release, progress keeps a lease
alive, an expired lease puts the task back in todo; 32 agents share 200 tasks without a double claim."""

from __future__ import annotations

import time

import anyio
import pytest
from mcp_support import error, mcp_client, ok

pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]
AGENTS = 32
TASKS = 200


async def _ready(c, name: str, n: int = 1) -> tuple[dict, list[dict]]:
    p = await ok(c, "create_project", {"name": name})
    tasks = [await ok(c, "create_task", {"project_id": p["id"], "label": f"{name} {i}"}) for i in range(n)]
    return p, tasks


async def test_a_claim_moves_the_task_to_in_progress_under_the_agent_with_a_lease(mcp):
    _, (t,) = await _ready(mcp, "Claim")
    won = await ok(mcp, "claim_task", {"task_id": t["id"], "agent_ref": "agent-a", "lease_seconds": 600})
    assert won["claimed"] is True
    assert won["task"]["status"] == "in_progress"
    assert won["task"]["assignee"] == "agent-a"
    assert won["task"]["claimed_by"] == "agent-a"
    assert won["lease_expires_at"] == won["task"]["lease_expires_at"]
    lost = await ok(mcp, "claim_task", {"task_id": t["id"], "agent_ref": "agent-b"})
    assert lost["claimed"] is False
    assert lost["reason"] == "held"
    assert lost["held_by"] == "agent-a"
    assert "already claimed by agent-a" in lost["message"]


async def test_claiming_a_blocked_or_finished_task_says_why_not(mcp):
    p, (first, second) = await _ready(mcp, "Blocked", 2)
    await ok(
        mcp,
        "create_edge",
        {"project_id": p["id"], "from_task_id": first["id"], "to_task_id": second["id"], "label": "blocks"},
    )
    blocked = await ok(mcp, "claim_task", {"task_id": second["id"], "agent_ref": "a"})
    assert blocked["claimed"] is False
    assert blocked["reason"] == "blocked"
    assert blocked["waiting_on"] == [first["id"]]
    await ok(mcp, "update_task", {"task_id": first["id"], "status": "done", "version": first["version"]})
    finished = await ok(mcp, "claim_task", {"task_id": first["id"], "agent_ref": "a"})
    assert finished["claimed"] is False
    assert finished["reason"] == "not_todo"
    assert finished["current_status"] == "done"


async def test_claim_argument_errors(mcp):
    _, (t,) = await _ready(mcp, "Claim errors")
    assert await error(mcp, "claim_task", {"task_id": t["id"]}) == "agent_ref is required"
    assert "lease_seconds must be at least 10" in await error(
        mcp, "claim_task", {"task_id": t["id"], "agent_ref": "a", "lease_seconds": 1}
    )
    missing = "00000000-0000-4000-8000-000000000000"
    assert (
        await error(mcp, "claim_task", {"task_id": missing, "agent_ref": "a"}) == f"task {missing} not found"
    )
    assert (await ok(mcp, "get_task", {"task_id": t["id"]}))["status"] == "todo"


async def test_renew_and_release_belong_to_the_holder(mcp):
    _, (t,) = await _ready(mcp, "Renew")
    first = await ok(mcp, "claim_task", {"task_id": t["id"], "agent_ref": "holder", "lease_seconds": 60})
    renewed = await ok(mcp, "renew_claim", {"task_id": t["id"], "agent_ref": "holder", "lease_seconds": 3600})
    assert renewed["lease_expires_at"] > first["lease_expires_at"]
    assert renewed["claimed_by"] == "holder"
    assert "held by holder, not intruder" in await error(
        mcp, "renew_claim", {"task_id": t["id"], "agent_ref": "intruder"}
    )
    assert "held by holder" in await error(mcp, "release_task", {"task_id": t["id"], "agent_ref": "intruder"})
    released = await ok(
        mcp, "release_task", {"task_id": t["id"], "agent_ref": "holder", "reason": "needs a decision first"}
    )
    assert released["released"] is True
    assert released["task"]["status"] == "todo"
    assert released["task"]["assignee"] is None
    assert released["task"]["claimed_by"] is None
    assert "no claim to act on" in await error(mcp, "release_task", {"task_id": t["id"]})
    assert "no claim to act on" in await error(mcp, "renew_claim", {"task_id": t["id"]})


async def test_progress_on_a_run_linked_to_the_task_extends_its_lease(mcp):
    p, (t,) = await _ready(mcp, "Progress lease")
    claim = await ok(mcp, "claim_task", {"task_id": t["id"], "agent_ref": "worker", "lease_seconds": 30})
    run = await ok(mcp, "start_agent_run", {"project_id": p["id"], "task_ids": [t["id"]]})
    await ok(mcp, "record_agent_progress", {"run_id": run["id"], "message": "halfway"})
    after = await ok(mcp, "get_task", {"task_id": t["id"]})
    assert after["lease_expires_at"] > claim["lease_expires_at"]
    await ok(mcp, "complete_agent_run", {"run_id": run["id"]})


async def test_an_expired_lease_returns_the_task_to_todo_and_it_can_be_claimed_again(mcp, clock):
    _, (t,) = await _ready(mcp, "Expiry")
    # 10 s is the core's shortest lease; the fake clock moves past it instead of waiting it out.
    await ok(mcp, "claim_task", {"task_id": t["id"], "agent_ref": "vanishing-agent", "lease_seconds": 10})
    early = await ok(mcp, "claim_task", {"task_id": t["id"], "agent_ref": "next-agent"})
    assert early["claimed"] is False
    assert early["held_by"] == "vanishing-agent"
    clock.advance(11)
    retry = await ok(mcp, "claim_task", {"task_id": t["id"], "agent_ref": "next-agent"})
    assert retry["claimed"] is True
    assert retry["task"]["assignee"] == "next-agent"


async def test_of_32_agents_claiming_one_task_at_once_exactly_one_wins(server, mcp, owner_token):
    _, (t,) = await _ready(mcp, "Contended")
    results: dict[str, dict] = {}

    async def agent(n: int) -> None:
        async with mcp_client(server, owner_token) as c:
            results[f"agent-{n:02d}"] = await ok(
                c, "claim_task", {"task_id": t["id"], "agent_ref": f"agent-{n:02d}"}
            )

    with anyio.fail_after(300):
        async with anyio.create_task_group() as tg:
            for n in range(AGENTS):
                tg.start_soon(agent, n)
    winners = [ref for ref, r in results.items() if r["claimed"]]
    assert len(results) == AGENTS
    assert len(winners) == 1
    assert {r["held_by"] for ref, r in results.items() if not r["claimed"]} == set(winners)
    assert (await ok(mcp, "get_task", {"task_id": t["id"]}))["assignee"] == winners[0]


async def test_32_agents_looping_claim_next_task_take_200_ready_tasks_each_exactly_once(
    server, mcp, owner_token
):
    project, _ = await _ready(mcp, "Swarm", 0)
    plan = {
        "project_id": project["id"],
        "tasks": [{"key": f"t{i}", "label": f"Swarm task {i}"} for i in range(TASKS)],
    }
    await ok(mcp, "scaffold_project_from_plan", plan)
    wins: dict[str, list[str]] = {}
    lost = 0  # a call that found nothing left: each agent's last

    async def agent(n: int) -> None:
        # The loop the skill teaches: claim_next_task until nothing is ready. Every call races the 31 others.
        nonlocal lost
        ref = f"agent-{n:02d}"
        async with mcp_client(server, owner_token, client_name=ref) as c:
            while True:
                r = await ok(c, "claim_next_task", {"project_id": project["id"], "agent_ref": ref})
                if not r["claimed"]:
                    lost += 1
                    return
                wins.setdefault(r["task"]["id"], []).append(ref)

    started = time.monotonic()
    with anyio.fail_after(600):
        async with anyio.create_task_group() as tg:
            for n in range(AGENTS):
                tg.start_soon(agent, n)
    elapsed = time.monotonic() - started
    assert len(wins) == TASKS
    assert all(len(refs) == 1 for refs in wins.values())
    assert lost == AGENTS  # each agent stopped only when nothing was left
    board = (await ok(mcp, "list_tasks", {"project_id": project["id"], "limit": 500}))["items"]
    assert {t["status"] for t in board} == {"in_progress"}
    assert {t["id"]: t["assignee"] for t in board} == {tid: refs[0] for tid, refs in wins.items()}
    claims = (
        server.client()
        .get(f"/api/v1/projects/{project['id']}/audit", params={"action": "task.claim", "limit": 500})
        .json()
    )
    assert claims["total"] == TASKS
    print(
        f"\n32 agents claimed {TASKS} tasks in {elapsed:.2f} s ({TASKS / elapsed:.0f} claims/s, "
        f"{lost} calls found nothing left)"
    )


async def test_claim_next_task_takes_the_highest_priority_ready_task_in_one_call(mcp):
    p, (low, urgent) = await _ready(mcp, "Claim next", 2)
    await ok(
        mcp, "update_task", {"task_id": urgent["id"], "priority": "urgent", "version": urgent["version"]}
    )
    won = await ok(
        mcp, "claim_next_task", {"project_id": p["id"], "agent_ref": "agent-a", "lease_seconds": 600}
    )
    assert won["claimed"] is True
    assert won["task"]["id"] == urgent["id"]
    assert won["task"]["status"] == "in_progress"
    assert won["task"]["claimed_by"] == "agent-a"
    second = await ok(mcp, "claim_next_task", {"project_id": p["id"], "agent_ref": "agent-b"})
    assert second["claimed"] is True
    assert second["task"]["id"] == low["id"]


async def test_claim_next_task_with_nothing_ready_says_why_and_claims_nothing(mcp):
    p, (first, second) = await _ready(mcp, "Nothing ready", 2)
    await ok(
        mcp,
        "create_edge",
        {"project_id": p["id"], "from_task_id": first["id"], "to_task_id": second["id"], "label": "blocks"},
    )
    await ok(mcp, "claim_next_task", {"project_id": p["id"], "agent_ref": "holder"})
    none = await ok(mcp, "claim_next_task", {"project_id": p["id"], "agent_ref": "late"})
    assert none == {"claimed": False, "task": None, "reason": "all_blocked"}
    assert (await ok(mcp, "get_task", {"task_id": second["id"]}))["status"] == "todo"


async def test_claim_next_task_within_a_goal_takes_only_that_goals_tasks(mcp):
    p, (outside,) = await _ready(mcp, "Goal claims", 1)
    goal = await ok(mcp, "create_goal", {"project_id": p["id"], "objective": "Ship the goal's work"})
    inside = await ok(
        mcp, "create_task", {"project_id": p["id"], "label": "Goal work", "goal_id": goal["id"]}
    )
    won = await ok(mcp, "claim_next_task", {"project_id": p["id"], "agent_ref": "a", "goal_id": goal["id"]})
    assert won["task"]["id"] == inside["id"]
    assert (await ok(mcp, "get_task", {"task_id": outside["id"]}))["status"] == "todo"


async def test_claim_next_task_needs_an_agent_ref(mcp):
    p, _ = await _ready(mcp, "Claim next errors", 1)
    assert await error(mcp, "claim_next_task", {"project_id": p["id"]}) == "agent_ref is required"


async def test_n_agents_claiming_next_at_once_each_get_a_task_on_their_first_call(server, mcp, owner_token):
    agents = 16
    project, _ = await _ready(mcp, "First call", 0)
    await ok(
        mcp,
        "scaffold_project_from_plan",
        {
            "project_id": project["id"],
            "tasks": [{"key": f"t{i}", "label": f"First call task {i}"} for i in range(agents)],
        },
    )
    got: dict[str, dict] = {}

    async def agent(n: int) -> None:
        async with mcp_client(server, owner_token) as c:
            got[f"agent-{n:02d}"] = await ok(
                c, "claim_next_task", {"project_id": project["id"], "agent_ref": f"agent-{n:02d}"}
            )

    with anyio.fail_after(300):
        async with anyio.create_task_group() as tg:
            for n in range(agents):
                tg.start_soon(agent, n)
    assert all(r["claimed"] for r in got.values()), [r.get("reason") for r in got.values()]
    assert len({r["task"]["id"] for r in got.values()}) == agents
