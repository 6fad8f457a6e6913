"""The operating-system sandbox, attacked from the inside over MCP: a program run by code_exec, a build recipe, a
deploy recipe and a git operation each try to reach the workspace, the server's config, its HOME and /proc, the
network, .git, and to exceed every limit. Every attempt fails and the server keeps serving."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from cli_support import run_cli
from conftest import drop_pg_database, new_workspace, start_server
from connector_fixtures import make_team
from mcp_support import connect, error, ok

pytestmark = pytest.mark.anyio
MEMORY_MB, FILE_MB, PROCESSES, CPU_S = 256, 8, 48, 3

# Run inside the sandbox by every surface. Each attempt either raises (blocked) or is a leak.
PROBE = r"""
import json, os, resource, socket, subprocess, sys, time
T = json.load(open("targets.json"))
out = {}

def attempt(name, fn):
    try:
        fn()
        out[name] = "LEAK"
    except BaseException as exc:  # MemoryError, OSError, anything: the attempt did not get through
        out[name] = "blocked: " + type(exc).__name__

def find_server_environ():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if b"PLANDESK_DATA_DIR" in open(f"/proc/{pid}/environ", "rb").read():
                    return
            except OSError:
                pass
    raise LookupError("no process shows the server's environment")

def connect():
    socket.create_connection(("127.0.0.1", T["port"]), timeout=3).close()

def many_processes():
    children = []
    try:
        for _ in range(T["processes"] * 2):
            children.append(subprocess.Popen(["sleep", "5"]))
    finally:
        for c in children:
            c.kill()
            c.wait()

def big_file():
    with open("big.bin", "wb") as f:
        f.write(b"x" * (T["file_bytes"] * 2))

def only_if_leaked(value):
    if value:
        return value
    raise LookupError("nothing there")

attempt("read_workspace_db", lambda: open(T["db"], "rb").read(16))
attempt("list_data_dir", lambda: only_if_leaked(os.listdir(T["data_dir"])))
attempt("write_data_dir", lambda: open(os.path.join(T["data_dir"], "pwned"), "w").write("x"))
attempt("read_server_config", lambda: open(T["config"]).read())
attempt("write_server_config", lambda: open(T["config"], "a").write("x"))
attempt("read_server_home", lambda: open(os.path.join(T["home"], "secret.txt")).read())
attempt("write_server_home", lambda: open(os.path.join(T["home"], "pwned"), "w").write("x"))
attempt("read_server_proc", lambda: open(f"/proc/{T['server_pid']}/environ", "rb").read())
attempt("find_server_in_proc", find_server_environ)
attempt("write_sandbox_root", lambda: open("/pwned", "w").write("x"))
attempt("write_toolchain", lambda: open("/usr/bin/pwned", "w").write("x"))
# A code root under /tmp has its parents in the private /tmp: a write there lands in the sandbox's own tmpfs;
# the test checks the host side.
try:
    open(T["outside"], "w").write("x")
except OSError:
    pass
attempt("write_git_config", lambda: open(".git/config", "a").write("[alias]\n"))
attempt("write_git_hooks", lambda: open(".git/hooks/pre-commit", "w").write("#!/bin/sh\n"))
attempt("home_is_the_servers", lambda: only_if_leaked(os.environ.get("HOME") == T["home"]))
attempt("secret_in_environment", lambda: only_if_leaked("SECRET-ENV-VALUE" in json.dumps(dict(os.environ))))
if sys.argv[1] != "deploy":  # a deploy recipe declares network; nothing else has it
    attempt("connect_to_server", connect)
attempt("exceed_memory", lambda: bytearray(T["memory_bytes"] * 2))
attempt("exceed_file_size", big_file)
attempt("exceed_processes", many_processes)
out["cpu_limit"] = resource.getrlimit(resource.RLIMIT_CPU)[0]
print("PROBE" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    base = tmp_path_factory.mktemp("sandbox")
    ws = new_workspace(base)
    home = base / "server-home"
    home.mkdir()
    (home / "secret.txt").write_text("the server's own secret\n")
    (ws.data_dir / "config.json").write_text(json.dumps({"log_level": "warning"}))
    srv = start_server(
        ws,
        extra_env={
            "HOME": str(home),
            "PLANDESK_SANDBOX_MEMORY_MB": str(MEMORY_MB),
            "PLANDESK_SANDBOX_FILE_MB": str(FILE_MB),
            "PLANDESK_SANDBOX_PROCESSES": str(PROCESSES),
            "PLANDESK_SANDBOX_CPU_S": str(CPU_S),
            "SERVER_SECRET": "SECRET-ENV-VALUE",
        },
    )
    srv.home = home
    yield srv
    srv.stop()
    if ws.database_url:
        drop_pg_database(ws.database_url)


@pytest.fixture(scope="module")
def team(live, tmp_path_factory):
    team = make_team(live, tmp_path_factory.mktemp("team"))
    root = team.code_root
    data_dir = live.workspace.data_dir
    (root / "probe.py").write_text(PROBE)
    (root / "spin.py").write_text("while True:\n    pass\n")
    (root / "targets.json").write_text(
        json.dumps(
            {
                "db": str(data_dir / "workspace.db"),
                "data_dir": str(data_dir),
                "config": str(data_dir / "config.json"),
                "home": str(live.home),
                "server_pid": live.proc.pid,
                "port": live.port,
                "outside": str(root.parent / "OUTSIDE-CANARY"),
                "memory_bytes": MEMORY_MB * 1024 * 1024,
                "file_bytes": FILE_MB * 1024 * 1024,
                "processes": PROCESSES,
            }
        )
    )
    (root / ".gitignore").write_text("build/\n*.log\nbig.bin\n")
    shown = team.admin.get(f"/api/v1/projects/{team.project_id}/connector").json()
    config = {"recipes": shown["recipes"]}
    config["recipes"] += [
        {"name": "probe-build", "kind": "build", "argv": ["python3", "probe.py", "build"]},
        {"name": "probe-deploy", "kind": "deploy", "argv": ["python3", "probe.py", "deploy"]},
        {"name": "spin", "kind": "test", "argv": ["python3", "spin.py"], "timeout_s": 60},
    ]
    config["exec_allowlist"] = ["ls", "echo", "cat", "python3"]
    r = team.admin.put(f"/api/v1/projects/{team.project_id}/connector", json=config)
    assert r.status_code == 200, r.text
    return team


def _probe_result(text: str) -> dict:
    line = next((x for x in text.splitlines() if x.startswith("PROBE")), None)
    assert line is not None, f"the probe did not report:\n{text[-3000:]}"
    return json.loads(line[len("PROBE") :])


def _assert_all_blocked(found: dict, live, team) -> None:
    leaks = {k: v for k, v in found.items() if k != "cpu_limit" and not str(v).startswith("blocked")}
    assert not leaks, f"escaped the sandbox: {leaks}"
    assert 0 < found["cpu_limit"] <= 600
    data_dir = live.workspace.data_dir
    assert not (data_dir / "pwned").exists()
    assert not (live.home / "pwned").exists()
    assert not (team.code_root.parent / "OUTSIDE-CANARY").exists()
    assert "[alias]" not in (team.code_root / ".git" / "config").read_text()
    assert live.client().get("/api/v1/health").status_code == 200


async def test_a_program_run_by_code_exec_reaches_nothing_outside_the_code_root(live, team, member_token):
    async with connect(live.mcp_url, member_token) as c:
        result = await ok(
            c,
            "code_exec",
            {"project_id": team.project_id, "argv": ["python3", "probe.py", "exec"], "timeout_s": 60},
        )
    assert result["sandbox"] == "bubblewrap"
    assert result["network"] == "isolated"
    _assert_all_blocked(_probe_result(result["stdout"]), live, team)


async def test_a_build_recipe_reaches_nothing_outside_the_code_root(live, team, member_token):
    async with connect(live.mcp_url, member_token) as c:
        result = await ok(c, "code_build", {"project_id": team.project_id, "recipes": ["probe-build"]})
    _assert_all_blocked(_probe_result(result["results"][0]["output_tail"]), live, team)


async def test_a_deploy_recipe_has_network_and_still_nothing_outside_the_code_root(live, team, member_token):
    args = {"project_id": team.project_id, "recipe": "probe-deploy"}
    async with connect(live.mcp_url, member_token) as c:
        pending = await ok(c, "code_deploy", args)
        assert team.admin.post(f"/api/v1/approvals/{pending['approval_id']}/approve").status_code == 200
        result = await ok(c, "code_deploy", {**args, "approval_id": pending["approval_id"]})
    _assert_all_blocked(_probe_result(result["output_tail"]), live, team)


async def test_a_program_past_its_cpu_limit_is_stopped_before_its_timeout(live, team, member_token):
    async with connect(live.mcp_url, member_token) as c:
        result = await ok(
            c, "code_exec", {"project_id": team.project_id, "argv": ["python3", "spin.py"], "timeout_s": 120}
        )
    assert result["timed_out"] is False
    assert result["exit_code"] != 0
    assert live.client().get("/api/v1/health").status_code == 200


async def test_a_recipe_past_its_cpu_limit_is_stopped_before_its_timeout(live, team, member_token):
    async with connect(live.mcp_url, member_token) as c:
        result = await ok(c, "code_build", {"project_id": team.project_id, "recipes": ["spin"]})
    assert result["results"][0]["timed_out"] is False
    assert result["results"][0]["exit_code"] != 0


def _plant_git_config(root: Path) -> Path:
    """What a member could once copy into .git: every program-running key git knows, each a canary."""
    canary = root.parent / "GIT-CANARY"
    script = root.parent / "git-canary.sh"
    script.write_text(f"#!/bin/sh\ntouch '{canary}'\ncat\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    config = root / ".git" / "config"
    original = config.read_text()
    config.write_text(
        original
        + f"""
[core]
    fsmonitor = {script}
    pager = {script}
    hooksPath = {root.parent}
    sshCommand = {script}
    editor = {script}
[filter "pwn"]
    clean = {script}
    smudge = {script}
    process = {script}
    required = true
[diff "pwn"]
    textconv = {script}
    command = {script}
[diff]
    external = {script}
[credential]
    helper = !{script}
[include]
    path = {root.parent / "included.cfg"}
"""
    )
    (root.parent / "included.cfg").write_text(
        f'[filter "inc"]\n    clean = {script}\n    smudge = {script}\n'
    )
    (root / ".gitattributes").write_text("*.py filter=pwn diff=pwn\n*.md filter=inc\n")
    (root.parent / "post-index-change").write_text(f"#!/bin/sh\ntouch '{canary}'\n")
    (root.parent / "post-index-change").chmod(0o755)
    return canary


async def test_a_crafted_git_config_runs_nothing_under_a_viewers_status_diff_and_log(
    live, team, viewer_token
):
    canary = _plant_git_config(team.code_root)
    (team.code_root / "src" / "app.py").write_text("def greet(name):\n    return name\n")
    (team.code_root / "README.md").write_text("# changed\n")
    async with connect(live.mcp_url, viewer_token) as c:
        for action in (
            {"action": "status"},
            {"action": "diff"},
            {"action": "log", "limit": 2},
            {"action": "branch"},
        ):
            await ok(c, "code_git", {"project_id": team.project_id, **action})
    assert not canary.exists(), "a program named by the repository's config ran"


async def test_a_crafted_git_config_runs_nothing_under_commit_and_push(live, team, member_token):
    canary = _plant_git_config(team.code_root)
    (team.code_root / "src" / "new.py").write_text("x = 1\n")
    async with connect(live.mcp_url, member_token) as c:
        await ok(
            c,
            "code_git",
            {
                "project_id": team.project_id,
                "action": "commit",
                "message": "add new",
                "paths": ["src/new.py"],
            },
        )
        pending = await ok(c, "code_git", {"project_id": team.project_id, "action": "push"})
        if pending.get("status") == "pending_approval":
            assert team.admin.post(f"/api/v1/approvals/{pending['approval_id']}/approve").status_code == 200
            await ok(
                c,
                "code_git",
                {"project_id": team.project_id, "action": "push", "approval_id": pending["approval_id"]},
            )
    assert not canary.exists(), "a program named by the repository's config ran"


async def test_git_is_not_writable_from_code_exec(live, team, member_token):
    (team.code_root / "copy-config.py").write_text(
        "import shutil\nshutil.copy('targets.json', '.git/config')\n"
    )
    before = (team.code_root / ".git" / "config").read_text()
    async with connect(live.mcp_url, member_token) as c:
        result = await ok(
            c, "code_exec", {"project_id": team.project_id, "argv": ["python3", "copy-config.py"]}
        )
    assert result["exit_code"] != 0
    assert "Read-only file system" in result["stderr"]
    assert (team.code_root / ".git" / "config").read_text() == before


async def test_without_bubblewrap_exec_and_recipes_are_refused_with_the_reason(tmp_path):
    ws = new_workspace(tmp_path)
    srv = start_server(ws, extra_env={"PLANDESK_BWRAP": str(tmp_path / "no-bwrap-here")})
    try:
        team = make_team(srv, tmp_path / "t")
        token = team.token("member@example.com", "agent")
        (team.code_root / "marker.sh").write_text(f"touch '{tmp_path / 'RAN'}'\n")
        async with connect(srv.mcp_url, token) as c:
            refused = await error(c, "code_exec", {"project_id": team.project_id, "argv": ["echo", "hi"]})
            assert "bubblewrap" in refused
            assert "sandbox" in refused
            refused = await error(c, "code_build", {"project_id": team.project_id, "recipes": ["app"]})
            assert "bubblewrap" in refused
            # git and search keep working: git is hardened by configuration, search is a read-only engine.
            assert (await ok(c, "code_git", {"project_id": team.project_id, "action": "status"}))["branch"]
        assert not (team.code_root / "build").exists()
    finally:
        srv.stop()
        if ws.database_url:
            drop_pg_database(ws.database_url)


def test_the_sandbox_reports_itself_available_here():
    from plandesk.connector import sandbox

    state = sandbox.status()
    assert state["available"], state["detail"]
    assert os.path.isfile(sandbox.bwrap_path())


def _remote_head(team) -> str:
    remote = team.code_root.parent / f"{team.code_root.name}-remote.git"
    return subprocess.run(
        ["git", "-C", str(remote), "rev-parse", "refs/heads/main"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


async def test_a_push_approval_covers_one_commit_and_refuses_a_later_one(live, team, member_token):
    pid = team.project_id
    async with connect(live.mcp_url, member_token) as c:
        await ok(
            c, "code_file", {"project_id": pid, "action": "write", "path": "reviewed.txt", "content": "ok\n"}
        )
        reviewed = await ok(
            c,
            "code_git",
            {"project_id": pid, "action": "commit", "message": "reviewed", "paths": ["reviewed.txt"]},
        )
        pending = await ok(c, "code_git", {"project_id": pid, "action": "push"})
        assert pending["status"] == "pending_approval"
        approval = team.admin.get(f"/api/v1/approvals/{pending['approval_id']}").json()
        assert reviewed["sha"] in approval["summary"]  # the person approves this commit, by its id
        assert team.admin.post(f"/api/v1/approvals/{pending['approval_id']}/approve").status_code == 200
        # After the approval, the agent slips in another commit and reuses it.
        await ok(
            c, "code_file", {"project_id": pid, "action": "write", "path": "sneaky.txt", "content": "x\n"}
        )
        sneaky = await ok(
            c,
            "code_git",
            {"project_id": pid, "action": "commit", "message": "unreviewed", "paths": ["sneaky.txt"]},
        )
        refused = await error(
            c, "code_git", {"project_id": pid, "action": "push", "approval_id": pending["approval_id"]}
        )
        assert reviewed["sha"][:12] in refused
        assert sneaky["sha"][:12] in refused
    assert _remote_head(team) != sneaky["sha"]
    assert team.admin.get(f"/api/v1/approvals/{pending['approval_id']}").json()["status"] == "approved"


async def test_an_approved_push_sends_exactly_the_approved_commit(live, team, member_token):
    pid = team.project_id
    async with connect(live.mcp_url, member_token) as c:
        await ok(
            c, "code_file", {"project_id": pid, "action": "write", "path": "second.txt", "content": "2\n"}
        )
        await ok(
            c,
            "code_git",
            {"project_id": pid, "action": "commit", "message": "second", "paths": ["second.txt"]},
        )
        head = (await ok(c, "code_git", {"project_id": pid, "action": "log", "limit": 1}))["commits"][0][
            "sha"
        ]
        pending = await ok(c, "code_git", {"project_id": pid, "action": "push"})
        assert team.admin.post(f"/api/v1/approvals/{pending['approval_id']}/approve").status_code == 200
        pushed = await ok(
            c, "code_git", {"project_id": pid, "action": "push", "approval_id": pending["approval_id"]}
        )
    assert pushed["commit"] == head
    assert _remote_head(team) == head


def test_doctor_warns_when_the_sandbox_is_missing(tmp_path):
    ws = new_workspace(tmp_path)
    run_cli(ws, "init")
    out = run_cli(ws, "doctor", extra_env={"PLANDESK_BWRAP": str(tmp_path / "no-bwrap-here")})
    assert "WARN" in out.stdout
    assert "refused" in out.stdout
    assert "bubblewrap" in out.stdout
    assert "WARN" not in run_cli(ws, "doctor").stdout


async def test_an_owner_may_switch_to_unsandboxed_mode_and_doctor_says_so(tmp_path):
    from plandesk.core import sandbox_mode, users, workspace
    from plandesk.core.actors import Actor
    from plandesk.core.errors import Forbidden

    ws = new_workspace(tmp_path)
    run_cli(ws, "init")
    db = workspace.open_database(ws.settings())
    with pytest.raises(Forbidden):
        sandbox_mode.set_unsandboxed(db, Actor(user_id="x", name="Admin", role="admin"), True)
    sandbox_mode.set_unsandboxed(db, users.local_owner_actor(db), True)
    missing = {"PLANDESK_BWRAP": str(tmp_path / "no-bwrap-here")}
    assert "UNSANDBOXED" in run_cli(ws, "doctor", extra_env=missing).stdout
    srv = start_server(ws, extra_env=missing)
    try:
        team = make_team(srv, tmp_path / "t")
        token = team.token("member@example.com", "agent")
        async with connect(srv.mcp_url, token) as c:
            ran = await ok(c, "code_exec", {"project_id": team.project_id, "argv": ["echo", "hi"]})
        assert ran["sandbox"] == "none"
        assert ran["stdout"] == "hi\n"
    finally:
        srv.stop()


def test_a_git_directory_behind_a_link_is_read_only_too(tmp_path):
    from plandesk.connector import shell
    from plandesk.connector.paths import CodeRoot

    root = tmp_path / "root"
    (root / "realgit").mkdir(parents=True)
    (root / "realgit" / "config").write_text("[core]\n")
    (root / ".git").symlink_to("realgit")
    (root / "w.py").write_text(
        "for p in ('.git/config', 'realgit/config'):\n"
        "    try:\n        open(p, 'a').write('[alias]\\n')\n"
        "    except OSError as e:\n        print(p, e.strerror)\n"
    )
    result = shell.run_exec(CodeRoot(str(root)), ["python3", "w.py"], allowlist=["python3"])
    assert result["stdout"].count("Read-only file system") == 2, result
    assert (root / "realgit" / "config").read_text() == "[core]\n"
