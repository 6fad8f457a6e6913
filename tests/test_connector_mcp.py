"""The code toolset over a server MCP endpoint: who sees which tool, refusals that name the permission, the tools
end to end, approvals bound to one exact call, and an audit entry for every call."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from connector_fixtures import make_team
from mcp_support import error, mcp_client, ok, tool_names

# The in-process app (MCP SDK clients through its ASGI interface), one for the module.
pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]
CODE_TOOLS = {"code_search", "code_file", "code_git", "code_build", "code_deploy", "code_db", "code_exec"}


@pytest.fixture(scope="module")
def team(app_server, tmp_path_factory):
    return make_team(app_server, tmp_path_factory.mktemp("team"))


async def test_a_viewers_token_lists_no_write_tool(server, viewer_token):
    async with mcp_client(server, viewer_token) as c:
        assert await tool_names(c) & CODE_TOOLS == {"code_search", "code_file", "code_git"}


async def test_a_viewer_calling_a_write_tool_gets_forbidden_naming_the_permission(server, team, viewer_token):
    pid = team.project_id
    async with mcp_client(server, viewer_token) as c:
        write = await error(
            c, "code_file", {"project_id": pid, "action": "write", "path": "x.txt", "content": "x"}
        )
        assert "code.write" in write
        assert "viewer" in write
        run = await error(c, "code_exec", {"project_id": pid, "argv": ["ls"]})
        assert "exec" in run
        assert "viewer" in run
        push = await error(
            c, "code_git", {"project_id": pid, "action": "commit", "message": "m", "all": True}
        )
        assert "git.commit" in push
        read = await ok(c, "code_file", {"project_id": pid, "action": "read", "path": "README.md"})
        assert "Hello from the demo project" in read["content"]
    assert not (team.code_root / "x.txt").exists()


async def test_a_members_token_lists_every_code_tool(server, member_token):
    async with mcp_client(server, member_token) as c:
        assert await tool_names(c) & CODE_TOOLS == CODE_TOOLS


async def test_a_token_narrowed_to_operations_never_widens(server, team):
    token = team.token("member@example.com", "search only", operations=["code.search", "code.read"])
    async with mcp_client(server, token) as c:
        assert await tool_names(c) & CODE_TOOLS == {"code_search", "code_file"}
        message = await error(
            c,
            "code_file",
            {"project_id": team.project_id, "action": "create", "path": "n.txt", "content": "x"},
        )
        assert "code.write" in message
        assert "limited to" in message


async def test_a_planning_token_sees_no_code_tool(server, team):
    r = team.admin.post("/api/v1/tokens", json={"name": "planning only"})
    async with mcp_client(server, r.json()["token"]) as c:
        assert await tool_names(c) & CODE_TOOLS == set()


async def test_search_read_edit_commit_build_and_exec_end_to_end(server, team, member_token):
    pid = team.project_id
    async with mcp_client(server, member_token) as c:
        found = await ok(c, "code_search", {"project_id": pid, "query": r"def \w+", "context_lines": 1})
        assert [m["path"] for m in found["matches"]] == ["src/app.py"]
        files = await ok(c, "code_search", {"project_id": pid, "glob": "*.py"})
        assert files["files"] == ["src/app.py"]
        edit = await ok(
            c,
            "code_file",
            {
                "project_id": pid,
                "action": "str_replace",
                "path": "src/app.py",
                "old_str": "hello {name}",
                "new_str": "hi {name}",
            },
        )
        assert "-    return f'hello {name}'" in edit["diff"]
        assert "+    return f'hi {name}'" in edit["diff"]
        status = await ok(c, "code_git", {"project_id": pid, "action": "status"})
        assert {"index": " ", "worktree": "M", "path": "src/app.py"} in status["entries"]
        commit = await ok(
            c,
            "code_git",
            {"project_id": pid, "action": "commit", "message": "Say hi", "paths": ["src/app.py"]},
        )
        assert commit["clean"]
        assert len(commit["sha"]) == 40
        log = await ok(c, "code_git", {"project_id": pid, "action": "log", "limit": 1})
        assert log["commits"][0]["subject"] == "Say hi"
        assert "via Plan Desk" in log["commits"][0]["author"]
        build = await ok(c, "code_build", {"project_id": pid, "recipes": ["app", "unit"]})
        assert build["results"][0]["ok"]
        assert "building" in build["results"][0]["output_tail"]
        assert build["results"][1]["exit_code"] == 3
        assert build["ok"] is False
        listing = await ok(c, "code_exec", {"project_id": pid, "argv": ["ls", "src"]})
        assert listing["stdout"].split() == ["app.py"]
    log_url = urlsplit(build["results"][0]["log_url"])
    assert log_url.scheme == "http"
    full_log = team.admin.get(log_url._replace(scheme="", netloc="").geturl())
    assert full_log.status_code == 200
    assert "building" in full_log.text
    assert "exit code 0" in full_log.text


async def test_a_members_deploy_waits_for_approval_and_runs_once_approved(server, team, member_token):
    args = {"project_id": team.project_id, "recipe": "production"}
    async with mcp_client(server, member_token) as c:
        pending = await ok(c, "code_deploy", args)
        assert pending["status"] == "pending_approval"
        assert pending["operation"] == "deploy"
        approval_id = pending["approval_id"]
        # the address the server is configured to serve on (in-process: its settings' port)
        own = f"http://127.0.0.1:{server.settings.port}"
        assert pending["approval_url"] == f"{own}/settings/approvals/{approval_id}"
        assert pending["approval_url"] in pending["message"]
        assert "approval_id" in pending["message"]
        assert not (team.code_root / "deployed.txt").exists()
        still = await ok(c, "code_deploy", {**args, "approval_id": approval_id})
        assert still["status"] == "pending_approval"
        assert "still waiting" in still["message"]
        r = team.admin.post(f"/api/v1/approvals/{approval_id}/approve")
        assert r.status_code == 200
        assert r.json()["status"] == "approved"
        other = await error(c, "code_deploy", {**args, "recipe": "app", "approval_id": approval_id})
        assert "different call" in other or "deploy" in other
        done = await ok(c, "code_deploy", {**args, "approval_id": approval_id})
        assert done["ok"]
        assert "deploying" in done["output_tail"]
        assert (team.code_root / "deployed.txt").read_text() == "deployed\n"
        again = await error(c, "code_deploy", {**args, "approval_id": approval_id})
        assert "already used" in again
    assert team.admin.get(f"/api/v1/approvals/{approval_id}").json()["status"] == "used"


async def test_no_token_can_approve_and_a_denial_sticks(server, team, member_token):
    args = {"project_id": team.project_id, "recipe": "production"}
    async with mcp_client(server, member_token) as c:
        approval_id = (await ok(c, "code_deploy", args))["approval_id"]
        by_token = server.client(headers={"Authorization": f"Bearer {member_token}"}).post(
            f"/api/v1/approvals/{approval_id}/approve"
        )
        assert by_token.status_code == 403
        assert by_token.json()["code"] == "forbidden"
        assert team.admin.post(f"/api/v1/approvals/{approval_id}/deny").json()["status"] == "denied"
        assert "denied" in await error(c, "code_deploy", {**args, "approval_id": approval_id})


async def test_the_project_switch_off_refuses_every_tool_with_the_reason(server, team, member_token):
    other = team.admin.post("/api/v1/projects", json={"name": "Not connected"}).json()
    async with mcp_client(server, member_token) as c:
        message = await error(c, "code_search", {"project_id": other["id"], "glob": "*"})
        assert "code connector is off" in message


async def test_every_call_allowed_or_refused_is_audited_with_a_digest_outcome_and_duration(
    server, team, viewer_token
):
    pid = team.project_id
    async with mcp_client(server, viewer_token) as c:
        await ok(c, "code_search", {"project_id": pid, "glob": "README.md"})
        await error(c, "code_exec", {"project_id": pid, "argv": ["ls"]})
    entries = team.admin.get(f"/api/v1/projects/{pid}/audit", params={"action": "connector.*"}).json()[
        "items"
    ]
    by_tool = {}
    for e in entries:
        by_tool.setdefault(e["action"], e)
    search, run = by_tool["connector.code_search"], by_tool["connector.code_exec"]
    assert search["detail"]["outcome"] == "ok"
    assert run["detail"]["outcome"] == "forbidden"
    assert run["detail"]["permission"] == "exec"
    for e in (search, run):
        assert len(e["detail"]["args_sha256"]) == 64
        assert isinstance(e["detail"]["duration_ms"], int)
        assert e["token_id"]
        assert e["actor_name"] == "Viewer"
