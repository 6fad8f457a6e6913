"""plandesk connect picks the project: the only one, the person's numbered choice, or a refusal that says how."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import run_cli

from plandesk.core import projects
from plandesk.core.lookup import short_id
from plandesk.core.users import local_owner_actor
from plandesk.core.workspace import initialise


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "shop-app"
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def _make_projects(workspace, *names: str) -> list[dict]:
    db = initialise(workspace.settings())
    try:
        actor = local_owner_actor(db)
        return [projects.create_project(db, actor, {"name": name}) for name in names]
    finally:
        db.dispose()


def _bound(repo: Path) -> str:
    return json.loads((repo / ".plandesk/config.json").read_text())["projectId"]


def _project_names(workspace) -> list[str]:
    db = initialise(workspace.settings())
    try:
        return sorted(
            p["name"] for p in projects.list_projects(db, local_owner_actor(db), limit=500)["items"]
        )
    finally:
        db.dispose()


def test_an_empty_workspace_gets_a_project_named_after_the_folder(workspace, repo):
    run_cli(workspace, "connect", "--repo", str(repo))
    assert _project_names(workspace) == ["shop-app"]


def test_the_workspace_s_only_project_is_the_one_bound(workspace, repo):
    (only,) = _make_projects(workspace, "Checkout revamp")
    out = run_cli(workspace, "connect", "--repo", str(repo))
    assert _bound(repo) == only["id"]
    assert "bound to project 'Checkout revamp'" in out.stdout
    assert _project_names(workspace) == ["Checkout revamp"]


def test_several_projects_without_a_terminal_refuse_with_the_lines_to_run(workspace, repo):
    _make_projects(workspace, "Checkout revamp", "Billing")
    out = run_cli(workspace, "connect", "--repo", str(repo), check=False, input="")
    assert out.returncode == 2
    assert "plandesk connect --project 'Checkout revamp'" in out.stderr
    assert "plandesk connect --project Billing" in out.stderr
    assert "--new-project" in out.stderr
    assert not (repo / ".plandesk").exists()


def test_projects_sharing_a_name_are_offered_by_short_id(workspace, repo):
    first, second = _make_projects(workspace, "Twin", "Twin")
    out = run_cli(workspace, "connect", "--repo", str(repo), check=False, input="")
    assert f"--project {short_id(first['id'])}" in out.stderr
    assert f"--project {short_id(second['id'])}" in out.stderr


def _run_on_a_terminal(args: list[str], env: dict, answer: str, deadline_s: float = 60) -> tuple[int, str]:
    """Run with a pseudo-terminal as stdin and stdout; type `answer` when the prompt shows."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plandesk", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    seen, answered = b"", False
    deadline = time.monotonic() + deadline_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
                if not answered and b"Project number" in seen:
                    os.write(leader, answer.encode() + b"\r")
                    answered = True
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=max(1.0, deadline - time.monotonic())), seen.decode(errors="replace")
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()


def test_several_projects_on_a_terminal_ask_for_a_number(workspace, repo):
    _billing, second = _make_projects(workspace, "Billing", "Checkout revamp")  # listed by name: Billing is 1
    code, screen = _run_on_a_terminal(["connect", "--repo", str(repo)], workspace.env, "2")
    assert code == 0, screen
    assert "1. Billing" in screen
    assert "2. Checkout revamp" in screen
    assert _bound(repo) == second["id"]


def test_new_project_creates_and_binds_one(workspace, repo):
    _make_projects(workspace, "Checkout revamp", "Billing")
    run_cli(workspace, "connect", "--repo", str(repo), "--new-project", "Mobile app")
    assert "Mobile app" in _project_names(workspace)
    db = initialise(workspace.settings())
    try:
        bound = projects.get_project(db, local_owner_actor(db), _bound(repo))
    finally:
        db.dispose()
    assert bound["name"] == "Mobile app"


def test_project_is_accepted_by_short_id(workspace, repo):
    _, billing = _make_projects(workspace, "Checkout revamp", "Billing")
    run_cli(workspace, "connect", "--repo", str(repo), "--project", short_id(billing["id"]))
    assert _bound(repo) == billing["id"]
