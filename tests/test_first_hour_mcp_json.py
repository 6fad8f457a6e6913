"""The committed .mcp.json names nothing of one machine: a teammate's connect on their clone makes it work."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import anyio
import httpx2
from cli_support import run_cli
from conftest import drop_pg_database, free_port, new_workspace, start_server
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def _git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _machine_env(workspace, home: Path) -> dict:
    """One machine: its own HOME and workspace, and plandesk on PATH as scripts/install leaves it."""
    home.mkdir()
    return {
        **workspace.env,
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _connect(workspace, clone: Path, env: dict, url: str) -> None:
    run_cli(workspace, "connect", "--repo", str(clone), "--url", url, extra_env={"HOME": env["HOME"]})


async def _initialize(mcp_url: str, headers: dict) -> str:
    with anyio.fail_after(30):
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(mcp_url, http_client=http), mode="legacy") as client,
        ):
            return (await client.list_tools()).tools[0].name


def test_a_teammate_s_connect_makes_the_committed_mcp_json_work(workspace, tmp_path):
    origin = tmp_path / "origin"
    origin.mkdir()
    _git("init", "-q", "-b", "main", cwd=origin)
    (origin / "README.md").write_text("shop\n")
    _git("add", ".", cwd=origin)
    _git("commit", "-qm", "start", cwd=origin)
    port = free_port()  # both machines serve Plan Desk at the same local address, as the default does
    url = f"http://127.0.0.1:{port}"

    # Machine A: connect, commit what connect meant to be committed.
    alice = tmp_path / "alice"
    _git("clone", "-q", str(origin), str(alice), cwd=tmp_path)
    env_a = _machine_env(workspace, tmp_path / "home-a")
    # connect writes the files and mints the token in the workspace itself; A's server need not run (and one
    # port serving two servers in turn would be a race with every other test choosing free ports).
    _connect(workspace, alice, env_a, url)
    _git("add", "-A", cwd=alice)  # everything connect did not mark as ignored
    assert ".plandesk/token" not in _git("diff", "--cached", "--name-only", cwd=alice)
    _git("commit", "-qm", "connect Plan Desk", cwd=alice)
    _git("push", "-q", "origin", "HEAD:refs/heads/shared", cwd=alice)
    committed = (alice / ".mcp.json").read_text()
    for machine_specific in (str(tmp_path), sys.executable, str(Path(sys.executable).parent), env_a["HOME"]):
        assert machine_specific not in committed
    helper = json.loads(committed)["mcpServers"]["plandesk"]["headersHelper"]
    assert not any(part.startswith("/") for part in shlex.split(helper)), helper

    # Machine B: another workspace and HOME, a clone with the commit, its own connect.
    other = new_workspace(tmp_path)
    try:
        bob = tmp_path / "bob"
        _git("clone", "-q", "-b", "shared", str(origin), str(bob), cwd=tmp_path)
        env_b = _machine_env(other, tmp_path / "home-b")
        server_b = start_server(other, port=port)
        try:
            _connect(other, bob, env_b, url)
            assert _git("status", "--porcelain", cwd=bob).strip() == "", "connect changed a committed file"
            entry = json.loads((bob / ".mcp.json").read_text())["mcpServers"]["plandesk"]
            # The agent runs the helper as its config says, through a shell, from the repository.
            out = subprocess.run(
                entry["headersHelper"],
                shell=True,
                cwd=bob,
                env=env_b,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            assert anyio.run(_initialize, entry["url"], json.loads(out.stdout))
        finally:
            server_b.stop()
    finally:
        if other.database_url:
            drop_pg_database(other.database_url)
