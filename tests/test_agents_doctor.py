"""plandesk doctor --repo: healthy on a good binding; exit 1 naming the fault; exit 2 on a corrupt binding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_cli

pytestmark = pytest.mark.server("port")  # the CLI and its clients need a real port


def _connected(workspace, url: str, path: Path) -> Path:
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    run_cli(workspace, "connect", "--repo", str(path), "--url", url, "--new-project", path.name)
    return path


@pytest.fixture
def repo(workspace, server, tmp_path) -> Path:
    return _connected(workspace, server.url, tmp_path / tmp_path.name)


# As in a shell where Plan Desk's venv is active: `plandesk` is found through PATH.
ON_PATH = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
WITHOUT = {"PATH": os.pathsep.join(p for p in ("/usr/bin", "/bin") if not (Path(p) / "plandesk").exists())}


def _doctor(workspace, repo: Path, env: dict = ON_PATH) -> tuple[int, dict, str]:
    out = run_cli(workspace, "doctor", "--repo", str(repo), "--json", check=False, extra_env=env)
    report = json.loads(out.stdout)
    failed = " | ".join(c["detail"] for c in report["checks"] if not c["ok"])
    return out.returncode, report, failed


def test_doctor_repo_is_healthy_on_a_good_binding(workspace, repo):
    code, report, failed = _doctor(workspace, repo)
    assert code == 0, failed
    names = {c["name"] for c in report["checks"]}
    assert {"repo binding", "repo server", "repo mcp", "repo project", "repo git", "repo settings"} <= names
    assert "repo plandesk command" in names
    assert "claim_next_task" in report["repo"]["tools"]
    assert report["repo"]["tool_count"] == len(report["repo"]["tools"])
    token = (repo / ".plandesk/token").read_text().strip()
    assert token not in json.dumps(report)  # the settings are shown with the secret redacted
    assert report["repo"]["token"]["value"].endswith("…")
    assert report["repo"]["token"]["source"].endswith("token")
    human = run_cli(workspace, "doctor", "--repo", str(repo), extra_env=ON_PATH).stdout
    assert "healthy" in human
    assert "tools" in human
    assert "claim_next_task" in human


def test_doctor_repo_names_a_server_that_is_down(workspace, tmp_path, serve):
    second = serve("port", workspace)  # a server of our own on the same workspace, to stop
    repo = _connected(workspace, second.url, tmp_path / tmp_path.name)
    second.stop()
    code, report, failed = _doctor(workspace, repo)
    assert code == 1
    assert "server down" in failed
    assert any(c.get("fault") == "server_down" for c in report["checks"])


def test_doctor_repo_names_a_revoked_token(workspace, repo):
    run_cli(workspace, "token", "revoke", f"{repo.name} (plandesk connect)")
    code, report, failed = _doctor(workspace, repo)
    assert code == 1
    assert "token revoked" in failed
    assert any(c.get("fault") == "token_revoked" for c in report["checks"])


def test_doctor_repo_names_a_token_file_tracked_by_git(workspace, repo):
    subprocess.run(["git", "-C", str(repo), "add", "-f", ".plandesk/token"], check=True)
    code, report, failed = _doctor(workspace, repo)
    assert code == 1
    assert "token file tracked by git" in failed
    assert any(c.get("fault") == "token_tracked" for c in report["checks"])


def test_doctor_repo_reports_a_corrupt_binding_with_exit_2(workspace, repo):
    (repo / ".plandesk/config.json").write_text("{not json")
    code, _, failed = _doctor(workspace, repo)
    assert code == 2
    assert "config.json" in failed


def test_doctor_repo_on_a_folder_never_connected_is_unhealthy(workspace, tmp_path):
    code, _, failed = _doctor(workspace, tmp_path)
    assert code == 1
    assert "plandesk connect" in failed


def test_doctor_repo_names_a_plandesk_command_missing_from_path_with_the_fix(workspace, repo):
    code, report, failed = _doctor(workspace, repo, WITHOUT)
    assert code == 1
    assert "plandesk is not on PATH" in failed
    assert "plandesk context --json" in failed
    assert str(Path(sys.executable).parent) in failed  # the fix names this installation's folder
    assert [c["fault"] for c in report["checks"] if not c["ok"]] == ["plandesk_not_on_path"]
