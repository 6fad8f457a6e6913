"""The connector's pages in Chromium: a member's deploy waits until a person approves it on its page, then runs;
the permission matrix and a project's Code settings are edited in the browser; the connection test explains."""

from __future__ import annotations

import httpx2
import pytest
from connector_fixtures import make_team
from web_support import shot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a listening server
MCP_HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": "2025-11-25",
}


@pytest.fixture(scope="module")
def team(port_server, tmp_path_factory):
    return make_team(port_server, tmp_path_factory.mktemp("web-team"))


def mcp_call(server, token: str, tool: str, arguments: dict) -> dict:
    """One tools/call over plain HTTP, the way any MCP client sends it; returns the structured result."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }
    r = httpx2.post(
        server.mcp_url, json=body, headers={**MCP_HEADERS, "authorization": f"Bearer {token}"}, timeout=60
    )
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert not result.get("isError"), result["content"][0]["text"]
    return result["structuredContent"]


@pytest.fixture
def admin_page(browser, server, team):
    """A browser signed in as the admin (the session cookie of the admin's sign-in)."""
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "plandesk_session", "value": team.admin.cookies["plandesk_session"], "url": server.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


def test_a_members_deploy_waits_for_approval_and_runs_after_a_person_approves_it_in_the_ui(
    server, team, admin_page
):
    token = team.token("member@example.com", "deploying agent")
    args = {"project_id": team.project_id, "recipe": "production"}
    pending = mcp_call(server, token, "code_deploy", args)
    assert pending["status"] == "pending_approval"
    assert not (team.code_root / "deployed.txt").exists()

    page = admin_page
    page.goto(pending["approval_url"].removeprefix(server.url))
    assert "Deploy with recipe 'production'" in page.locator("h1").inner_text()
    assert page.locator("#approval-status").inner_text() == "pending"
    shot(page, "connector-approval-pending")
    page.get_by_role("button", name="Approve").click()
    wait_for(lambda: page.locator("#approval-status").inner_text() == "approved", what="the approved status")
    shot(page, "connector-approval-approved")

    done = mcp_call(server, token, "code_deploy", {**args, "approval_id": pending["approval_id"]})
    assert done["ok"] is True
    assert "deploying" in done["output_tail"]
    assert (team.code_root / "deployed.txt").read_text() == "deployed\n"


def test_waiting_approvals_are_listed_and_can_be_denied_from_the_list(server, team, admin_page):
    token = team.token("member@example.com", "pushing agent")
    pending = mcp_call(server, token, "code_git", {"project_id": team.project_id, "action": "push"})
    page = admin_page
    page.goto("/settings/approvals")
    row = page.locator(f'tr[data-approval="{pending["approval_id"]}"]')
    assert "git push" in row.inner_text()
    row.get_by_role("button", name="Deny").click()
    page.locator("#confirm-ok").click()
    wait_for(lambda: row.locator("[data-status]").inner_text() == "denied", what="the denied status")
    r = team.admin.get(f"/api/v1/approvals/{pending['approval_id']}")
    assert r.json()["status"] == "denied"


def test_the_permission_matrix_is_edited_in_the_browser(server, team, admin_page):
    page = admin_page
    page.goto("/settings/permissions")
    box = page.get_by_label("viewer may db.read")
    assert not box.is_checked()
    box.check()
    page.get_by_role("button", name="Save permissions").click()
    wait_for(
        lambda: "db.read" in team.admin.get("/api/v1/settings/permissions").json()["matrix"]["viewer"],
        what="the saved matrix",
    )
    assert page.get_by_label("owner may exec").is_disabled()
    shot(page, "connector-permissions", full_page=True)
    box.uncheck()
    page.get_by_role("button", name="Save permissions").click()
    wait_for(
        lambda: "db.read" not in team.admin.get("/api/v1/settings/permissions").json()["matrix"]["viewer"],
        what="the restored matrix",
    )


def test_a_projects_code_settings_are_saved_from_the_form(server, team, admin_page):
    page = admin_page
    page.goto(f"/projects/{team.project_id}/settings/code")
    allowlist = page.get_by_label("Allowlist")
    assert allowlist.input_value() == "ls echo cat"
    allowlist.fill("ls echo cat pytest")
    page.get_by_role("button", name="Add recipe").click()
    row = page.locator('[data-row="recipe"]').last
    row.get_by_label("Name").fill("lint")
    row.get_by_label("Kind").select_option("test")
    row.locator('textarea[name="argv"]').fill("sh\nlint.sh")
    shot(page, "connector-project-settings", full_page=True)
    page.get_by_role("button", name="Save").click()

    def saved():
        config = team.admin.get(f"/api/v1/projects/{team.project_id}/connector").json()
        return config if "pytest" in config["exec_allowlist"] else None

    config = wait_for(saved, what="the saved settings")
    assert {"name": "lint", "kind": "test", "argv": ["sh", "lint.sh"], "timeout_s": 600} in config["recipes"]


def test_the_connection_test_button_runs_a_real_session_and_says_it_works(server, team, admin_page):
    token = team.token("member@example.com", "tested agent")
    page = admin_page
    page.goto("/settings/permissions")
    page.get_by_label("Token").fill(token)
    page.locator('select[name="project_id"]').select_option(team.project_id)
    page.get_by_role("button", name="Test connection").click()
    wait_for(lambda: "Connection works." in page.locator("#test-result").inner_text(), what="the test result")
    assert "code_deploy" in page.locator("#test-result").inner_text()
    assert page.get_by_label("Token").input_value() == ""
