"""Goals, agent runs and the open drawer in Chromium: evidence-checked completion, live run timelines, live drawer."""

from __future__ import annotations

import time

import pytest
from web_support import make_task, mcp_call, mint_token

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port


@pytest.fixture(scope="module")
def agent_token(port_server) -> str:
    return mint_token(port_server.client(), "timeline agent")


def test_an_agents_progress_appears_on_the_open_run_timeline_within_a_second(
    page, server, api, project, agent_token
):
    task = make_task(api, project["id"], "Build address autocomplete")
    run = mcp_call(
        server.mcp_url,
        agent_token,
        "start_agent_run",
        {"project_id": project["id"], "label": "Autocomplete", "task_ids": [task["id"]]},
    )
    run_id = (run.get("agent_run") or run.get("run") or run)["id"]
    page.goto(f"/projects/{project['id']}/runs/{run_id}")
    page.locator(".run-detail h1", has_text="Autocomplete").wait_for()
    assert page.locator(".run-tasks").get_by_role("link", name="Build address autocomplete").count() == 1
    page.locator('#live[data-state="live"]').wait_for()
    mcp_call(
        server.mcp_url,
        agent_token,
        "record_agent_progress",
        {"run_id": run_id, "message": "Chose the Places API: lower latency", "kind": "decision"},
    )
    answered = time.monotonic()
    page.locator(".event-decision .event-message", has_text="Chose the Places API").wait_for(timeout=1000)
    assert time.monotonic() - answered < 1.0
    mcp_call(
        server.mcp_url,
        agent_token,
        "complete_agent_run",
        {"run_id": run_id, "status": "completed", "summary": "Shipped **autocomplete**."},
    )
    page.locator(".run-summary strong", has_text="autocomplete").wait_for(timeout=3000)
    assert "completed" in page.locator(".run-meta").inner_text()


def test_an_agents_change_to_the_open_task_shows_in_the_drawer(page, server, api, project, agent_token):
    task = make_task(api, project["id"], "Drawer stays current", description="old text")
    page.goto(f"/projects/{project['id']}/board?task={task['id']}")
    page.locator("#desc-view", has_text="old text").wait_for()
    page.locator('#live[data-state="live"]').wait_for()
    mcp_call(
        server.mcp_url,
        agent_token,
        "update_task",
        {
            "task_id": task["id"],
            "description": "new **text** from the agent",
            "priority": "high",
            "version": task["version"],
        },
    )
    answered = time.monotonic()
    page.locator("#desc-view strong", has_text="text").wait_for(timeout=1000)
    assert time.monotonic() - answered < 1.0
    assert page.locator("#f-priority").input_value() == "high"


def test_completing_a_checklist_goal_needs_every_criterion_and_then_succeeds(page, api, project):
    goal = api.post(
        f"/api/v1/projects/{project['id']}/goals",
        json={
            "name": "Checkout v2",
            "objective": "Checkout takes **one page**",
            "verification_surface": {
                "kind": "acceptance_checklist",
                "items": ["Inline card errors", "Autocomplete works"],
            },
        },
    ).json()
    page.goto(f"/projects/{project['id']}/goals")
    card = page.locator(f"#goal-{goal['id']}")
    assert card.locator(".goal-objective strong").inner_text() == "one page"
    card.get_by_role("button", name="Complete with evidence…").click()
    card.get_by_label("Inline card errors").select_option("passed")
    card.get_by_role("button", name="Complete goal").click()
    card.locator(".evidence-error", has_text="not checked").wait_for()
    assert api.get(f"/api/v1/goals/{goal['id']}").json()["status"] == "active"
    card.get_by_label("Autocomplete works").select_option("passed")
    card.get_by_role("button", name="Complete goal").click()
    page.get_by_text("Goal complete").wait_for()
    assert api.get(f"/api/v1/goals/{goal['id']}").json()["status"] == "complete"
    page.locator(f"#goal-{goal['id']} .badge", has_text="complete").wait_for()


def test_a_red_gate_blocks_the_goal_and_adds_one_remediation_task(page, api, project):
    goal = api.post(
        f"/api/v1/projects/{project['id']}/goals",
        json={
            "name": "Green build",
            "objective": "The suite passes",
            "verification_surface": {"kind": "gate_command", "command": "pytest -q"},
        },
    ).json()
    page.goto(f"/projects/{project['id']}/goals")
    card = page.locator(f"#goal-{goal['id']}")
    card.get_by_role("button", name="Complete with evidence…").click()
    card.get_by_label("Exit code of the gate").fill("1")
    card.get_by_role("button", name="Complete goal").click()
    page.get_by_text("Verification failed").wait_for()
    assert api.get(f"/api/v1/goals/{goal['id']}").json()["status"] == "blocked"
    scope = api.get(f"/api/v1/projects/{project['id']}/tasks", params={"status": "scope"}).json()["items"]
    assert [t["label"] for t in scope] == ["Fix acceptance failure: The suite passes"]


def test_creating_a_goal_and_making_it_current_in_the_ui(page, api, project):
    page.goto(f"/projects/{project['id']}/goals")
    page.get_by_role("button", name="New goal").first.click()
    form = page.locator("#goal-form")
    form.get_by_label("Name").fill("Launch")
    form.get_by_label("Objective").fill("Ship the one-page checkout")
    form.get_by_label("Verified by").select_option("human_sign_off")
    form.get_by_label("Approver").fill("Ana")
    form.get_by_role("button", name="Create goal").click()
    page.get_by_text("Goal “Launch” created").wait_for()
    goal = next(
        g for g in api.get(f"/api/v1/projects/{project['id']}/goals").json()["items"] if g["name"] == "Launch"
    )
    assert goal["verification_surface"] == {"kind": "human_sign_off", "approver": "Ana"}
    page.locator(f"#goal-{goal['id']}").get_by_role("button", name="Make current").click()
    page.locator(f"#goal-{goal['id']} .badge", has_text="current").wait_for()
    assert api.get(f"/api/v1/projects/{project['id']}").json()["current_goal_id"] == goal["id"]
