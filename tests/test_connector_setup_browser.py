"""The code connector set up from the web UI alone, as the connector setup page tells a team member: Settings →
MCP makes a code token limited to some operations, its connector URL works in an MCP client, and the
approvals page is one click away in the settings navigation."""

from __future__ import annotations

import asyncio
import concurrent.futures

import httpx2
import pytest
from connector_fixtures import connector_config, git_repository
from web_support import artifacts_dir, shot

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port
CALL_TIMEOUT = 60


@pytest.fixture(scope="module")
def code_project(port_server, tmp_path_factory) -> dict:
    api = port_server.client()
    project = api.post("/api/v1/projects", json={"name": "Shop"}).json()
    root = git_repository(tmp_path_factory.mktemp("ui") / "code")
    r = api.put(f"/api/v1/projects/{project['id']}/connector", json=connector_config(root))
    assert r.status_code == 200, r.text
    return {**project, "root": root}


def mcp(url: str, calls: list[tuple[str, dict]]) -> tuple[set[str], list]:
    """The tool names an MCP client sees at `url` (token in the query string) and each call's (is_error,
    structured result or error text), through the official SDK client on a thread of its own (Playwright's
    sync API owns this thread's event loop)."""

    async def run():
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        async with (
            httpx2.AsyncClient(timeout=CALL_TIMEOUT) as http,
            Client(streamable_http_client(url, http_client=http), mode="legacy") as client,
        ):
            names = {t.name for t in (await asyncio.wait_for(client.list_tools(), CALL_TIMEOUT)).tools}
            out = []
            for tool, args in calls:
                result = await asyncio.wait_for(client.call_tool(tool, args), CALL_TIMEOUT)
                out.append(
                    (
                        result.is_error,
                        result.content[0].text if result.is_error else result.structured_content,
                    )
                )
            return names, out

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result(CALL_TIMEOUT + 5)


def test_a_code_token_made_in_settings_reads_code_through_its_connector_url_and_cannot_write(
    page, server, code_project
):
    page.goto("/settings/mcp")
    page.get_by_label("Name").fill("Connector")
    page.locator("input[name=toolset][value=code]").check()
    operations = page.locator("#token-operations")
    operations.wait_for()
    for box in operations.locator("input[name=operation]").all():
        if box.get_attribute("value") not in ("code.search", "code.read"):
            box.uncheck()
    page.get_by_role("button", name="Create token").click()
    page.locator("#reveal").wait_for()
    token = page.locator("#reveal-token").inner_text()
    url = page.locator("[data-snippet=url] code").inner_text()
    assert url == f"{server.url}/mcp/?token={token}"
    shot(page, "connector-setup-token", full_page=True)

    pid = code_project["id"]
    names, results = mcp(
        url,
        [
            ("code_search", {"project_id": pid, "query": "greet"}),
            ("code_file", {"project_id": pid, "action": "read", "path": "README.md"}),
            ("code_file", {"project_id": pid, "action": "write", "path": "README.md", "content": "changed"}),
        ],
    )
    assert {"code_search", "code_file"} <= names
    assert not names & {"code_git", "code_build", "code_exec"}
    (search_error, found), (read_error, read), (write_error, refusal) = results
    assert not search_error, found
    assert [m["path"] for m in found["matches"]] == ["src/app.py"]
    assert not read_error, read
    assert "Hello from the demo project" in read["content"]
    assert write_error
    assert "code.write" in refusal
    assert "limited to" in refusal
    assert "Hello from the demo project" in (code_project["root"] / "README.md").read_text()


def test_the_form_offers_only_the_operations_the_role_may_grant(server, page):
    page.goto("/settings/mcp")
    page.locator("input[name=toolset][value=code]").check()
    offered = [
        b.get_attribute("value") for b in page.locator("#token-operations input[name=operation]").all()
    ]
    assert offered == server.client().get("/api/v1/settings/permissions").json()["matrix"]["owner"]
    page.locator("#token-form").screenshot(path=str(artifacts_dir() / "connector-setup-form.png"))


def test_the_approvals_page_is_in_the_settings_navigation_with_the_pending_count(page, server, code_project):
    r = server.client().post("/api/v1/tokens", json={"name": "deployer", "toolsets": ["code"]})
    url = f"{server.mcp_url}?token={r.json()['token']}"
    _, [(is_error, pending)] = mcp(
        url, [("code_deploy", {"project_id": code_project["id"], "recipe": "production"})]
    )
    assert not is_error, pending
    assert pending["status"] == "pending_approval"
    page.goto("/settings/mcp")
    link = page.locator("nav.nav-settings").get_by_role("link", name="Approvals")
    assert link.locator(".nav-count").get_attribute("data-count") == "1"
    assert link.locator(".nav-count").is_visible()
    link.click()
    page.wait_for_url("**/settings/approvals")
    assert page.locator("nav.nav-settings a[aria-current=page]").inner_text().startswith("Approvals")
    assert (
        page.get_by_text(pending["approval_id"][:8]).count()
        or page.locator(f"a[href='/settings/approvals/{pending['approval_id']}']").count()
    )


def test_the_core_refuses_a_token_with_operations_beyond_the_role(server):
    # Last in the module: a second user ends the loopback owner's local mode for the pages above.
    api = server.client()
    r = api.put("/api/v1/settings/permissions", json={"matrix": {"member": ["code.search"]}})
    assert r.status_code == 200, r.text
    r = api.post(
        "/api/v1/members",
        json={"email": "m@example.com", "role": "member", "password": "x" * 16, "name": "M"},
    )
    assert r.status_code == 201, r.text
    member = server.client()
    signed = member.post("/api/v1/auth/sign-in", json={"email": "m@example.com", "password": "x" * 16})
    assert signed.status_code == 200, signed.text
    member.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    r = member.post("/api/v1/tokens", json={"name": "too wide", "toolsets": ["code"], "operations": ["exec"]})
    assert r.status_code == 403, r.text
    assert "exec" in r.text
    assert r.json()["code"] == "forbidden"
    r = member.post(
        "/api/v1/tokens", json={"name": "fits", "toolsets": ["code"], "operations": ["code.search"]}
    )
    assert r.status_code == 201, r.text
