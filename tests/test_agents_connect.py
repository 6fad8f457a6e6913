"""plandesk connect / disconnect / token-header: a repository bound to a project, and unbound again."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import anyio
import httpx2
import pytest
from cli_support import create_token, run_cli
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

pytestmark = [pytest.mark.anyio, pytest.mark.server("port")]  # the CLI and MCP clients need a real port


def _connect_new(workspace, server, repo: Path, *extra: str):
    """`plandesk connect --repo REPO --url URL --new-project REPO_NAME ...`: the repository bound to a new
    project named after it."""
    return run_cli(
        workspace, "connect", "--repo", str(repo), "--url", server.url, "--new-project", repo.name, *extra
    )


def _repo_tokens(workspace, repo: Path) -> list[dict]:
    tokens = json.loads(run_cli(workspace, "token", "list", "--json").stdout)
    return [t for t in tokens if t["name"] == f"{repo.name} (plandesk connect)"]


@pytest.fixture
def repo(tmp_path) -> Path:
    path = tmp_path / tmp_path.name  # the folder names the project: one per test
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file outside .git: its hash and mtime, so 'nothing changed' means nothing was even rewritten."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".git" not in p.relative_to(root).parts:
            out[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def _helper_header(repo: Path, cwd: Path | None = None, env: dict | None = None) -> dict:
    command = json.loads((repo / ".mcp.json").read_text())["mcpServers"]["plandesk"]["headersHelper"]
    # The command is found through PATH, as on a machine where scripts/install linked plandesk.
    env = dict(env or os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    out = subprocess.run(
        shlex.split(command),
        cwd=cwd or repo,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


async def _list_tools(mcp_url: str, headers: dict) -> list[str]:
    with anyio.fail_after(30):
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(mcp_url, http_client=http), mode="legacy") as client,
        ):
            return [t.name for t in (await client.list_tools()).tools]


async def test_headers_helper_command_authenticates_a_real_mcp_session(workspace, server, repo):
    _connect_new(workspace, server, repo)
    entry = json.loads((repo / ".mcp.json").read_text())["mcpServers"]["plandesk"]
    assert entry["type"] == "http"
    assert entry["url"] == server.mcp_url
    header = _helper_header(repo)
    assert set(header) == {"Authorization"}
    assert header["Authorization"].startswith("Bearer plandesk_mcp_")
    tools = await _list_tools(entry["url"], header)
    assert {"claim_next_task", "get_agent_context", "start_agent_run"} <= set(tools)


async def test_headers_helper_works_from_a_subfolder_and_prefers_the_environment(workspace, server, repo):
    _connect_new(workspace, server, repo)
    deep = repo / "src" / "pkg"
    deep.mkdir(parents=True)
    assert _helper_header(repo, cwd=deep) == _helper_header(repo)
    override = create_token(workspace, "override")
    env = {**workspace.env, "PLANDESK_MCP_TOKEN": override}
    assert _helper_header(repo, env=env) == {"Authorization": f"Bearer {override}"}


def test_connect_writes_the_binding_files(workspace, server, repo):
    out = _connect_new(workspace, server, repo)
    config = json.loads((repo / ".plandesk/config.json").read_text())
    assert config == {"serverUrl": server.url, "projectId": config["projectId"]}
    project = server.client().get(f"/api/v1/projects/{config['projectId']}").json()
    assert project["name"] == repo.name
    assert project["repo_path"] == str(repo.resolve())
    token_file = repo / ".plandesk/token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() not in out.stdout + out.stderr  # the secret is never printed
    assert (repo / ".plandesk/skill.md").read_text().startswith("---\nname: plandesk\n")
    assert "@.plandesk/skill.md" in (repo / "CLAUDE.md").read_text()
    assert "claim_next_task" in (repo / "AGENTS.md").read_text()
    ignored = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", ".plandesk/token"], check=False)
    assert ignored.returncode == 0


def test_connect_mints_a_token_limited_to_the_bound_project(workspace, server, repo):
    _connect_new(workspace, server, repo)
    token = (repo / ".plandesk/token").read_text().strip()
    other = server.client().post("/api/v1/projects", json={"name": "Someone else's"}).json()
    mine = json.loads((repo / ".plandesk/config.json").read_text())["projectId"]
    auth = {"Authorization": f"Bearer {token}"}
    assert server.client().get(f"/api/v1/projects/{mine}", headers=auth).status_code == 200
    assert server.client().get(f"/api/v1/projects/{other['id']}", headers=auth).status_code == 404


def test_a_second_connect_changes_nothing(workspace, server, repo):
    _connect_new(workspace, server, repo, "--agent", "all")
    before = _snapshot(repo)
    out = run_cli(workspace, "connect", "--repo", str(repo), "--url", server.url, "--agent", "all")
    assert _snapshot(repo) == before
    assert "Nothing changed" in out.stdout
    assert [t["state"] for t in _repo_tokens(workspace, repo)] == ["active"]


def test_connect_keeps_hand_edits_outside_its_sentinels(workspace, server, repo):
    (repo / "CLAUDE.md").write_text("# House rules\n\nRun the tests before you push.\n")
    (repo / ".gitignore").write_text("node_modules/\n")
    (repo / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"other": {"type": "http", "url": "http://x/"}}})
    )
    _connect_new(workspace, server, repo)
    text = (repo / "CLAUDE.md").read_text()
    (repo / "CLAUDE.md").write_text(text + "\nAdded later by hand.\n")
    run_cli(workspace, "connect", "--repo", str(repo), "--url", server.url)
    text = (repo / "CLAUDE.md").read_text()
    assert text.startswith("# House rules\n\nRun the tests before you push.\n")
    assert text.count("<!-- plandesk:start -->") == 1
    assert text.endswith("Added later by hand.\n")
    assert "other" in json.loads((repo / ".mcp.json").read_text())["mcpServers"]
    run_cli(workspace, "disconnect", "--repo", str(repo))
    assert (repo / "CLAUDE.md").read_text() == (
        "# House rules\n\nRun the tests before you push.\n\nAdded later by hand.\n"
    )
    assert (repo / ".gitignore").read_text() == "node_modules/\n"
    assert json.loads((repo / ".mcp.json").read_text()) == {
        "mcpServers": {"other": {"type": "http", "url": "http://x/"}}
    }


def test_print_shows_the_plan_and_writes_nothing(workspace, server, repo):
    before = _snapshot(repo)
    out = _connect_new(workspace, server, repo, "--print", "--agent", "all")
    assert _snapshot(repo) == before
    assert ".mcp.json (create)" in out.stdout
    assert "headersHelper" in out.stdout
    assert ".cursor/mcp.json (create)" in out.stdout
    assert "codex mcp add plandesk" in out.stdout
    assert _repo_tokens(workspace, repo) == []
    names = [
        p["name"] for p in server.client().get("/api/v1/projects", params={"limit": 500}).json()["items"]
    ]
    assert repo.name not in names


def test_connect_refuses_the_home_directory(workspace, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = run_cli(workspace, "connect", "--repo", str(home), check=False, extra_env={"HOME": str(home)})
    assert out.returncode == 2
    assert "home directory" in out.stderr
    assert not (home / ".mcp.json").exists()
    assert not (home / ".plandesk").exists()


def test_connect_warns_when_an_ancestor_mcp_json_shadows_it(workspace, server, tmp_path):
    (tmp_path / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"plandesk": {"type": "http", "url": "http://old:1/mcp/"}}})
    )
    repo = tmp_path / "nested" / "app"
    repo.mkdir(parents=True)
    out = _connect_new(workspace, server, repo)
    assert "warning" in out.stderr
    assert str(tmp_path / ".mcp.json") in out.stderr.replace("\n", "")


def test_connect_binds_a_named_project_and_rebinding_retires_the_old_token(workspace, server, repo):
    api = server.client()
    first = api.post("/api/v1/projects", json={"name": "Checkout revamp"}).json()
    second = api.post("/api/v1/projects", json={"name": "Billing"}).json()
    run_cli(workspace, "connect", "--repo", str(repo), "--url", server.url, "--project", "Checkout revamp")
    old = (repo / ".plandesk/token").read_text().strip()
    assert json.loads((repo / ".plandesk/config.json").read_text())["projectId"] == first["id"]
    run_cli(workspace, "connect", "--repo", str(repo), "--url", server.url, "--project", second["id"])
    assert json.loads((repo / ".plandesk/config.json").read_text())["projectId"] == second["id"]
    assert (repo / ".plandesk/token").read_text().strip() != old
    assert api.get("/api/v1/projects", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    missing = run_cli(workspace, "connect", "--repo", str(repo), "--project", "No such project", check=False)
    assert missing.returncode == 1
    assert "No such project" in missing.stderr


def test_connect_writes_cursor_and_vscode_entries_without_the_secret(workspace, server, repo):
    _connect_new(workspace, server, repo, "--agent", "cursor", "--agent", "vscode")
    token = (repo / ".plandesk/token").read_text().strip()
    cursor = json.loads((repo / ".cursor/mcp.json").read_text())["mcpServers"]["plandesk"]
    vscode = json.loads((repo / ".vscode/mcp.json").read_text())
    assert cursor["url"] == server.mcp_url
    assert "${env:PLANDESK_MCP_TOKEN}" in cursor["headers"]["Authorization"]
    assert vscode["servers"]["plandesk"]["type"] == "http"
    assert vscode["inputs"][0]["password"] is True
    assert token not in (repo / ".cursor/mcp.json").read_text() + (repo / ".vscode/mcp.json").read_text()


def test_disconnect_removes_everything_and_revokes_the_token(workspace, server, repo):
    _connect_new(workspace, server, repo, "--agent", "all")
    token = (repo / ".plandesk/token").read_text().strip()
    out = run_cli(workspace, "disconnect", "--repo", str(repo))
    assert "Revoked token" in out.stdout
    assert sorted(p.name for p in repo.iterdir()) == [".git"]
    r = httpx2.post(
        server.mcp_url,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        timeout=30,
    )
    assert r.status_code == 401
    assert r.json()["reason"] == "revoked_token"


def test_token_header_without_a_binding_fails_clearly(workspace, tmp_path):
    out = run_cli(workspace, "token-header", cwd=tmp_path, check=False)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "plandesk connect" in out.stderr


def test_connect_from_a_subfolder_binds_the_top_of_the_git_repository(workspace, server, repo):
    sub = repo / "services" / "api"
    sub.mkdir(parents=True)
    run_cli(workspace, "connect", "--url", server.url, "--new-project", repo.name, cwd=sub)
    assert (repo / ".plandesk/config.json").is_file()
    assert not (sub / ".plandesk").exists()
