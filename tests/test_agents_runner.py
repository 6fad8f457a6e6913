"""plandesk runner end to end: a live server, a real git repository, a worker that is a small Python script."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from cli_support import run_cli

from plandesk.client import PlanDeskClient

pytestmark = pytest.mark.server("port")  # the CLI and its clients need a real port


# The worker: checks the brief arrived both ways, commits a file named after the task, and obeys the task's
# own instructions (a line "worker: fail" or "worker: ask" in the description).
WORKER = textwrap.dedent("""
    import os, pathlib, subprocess, sys
    brief = sys.stdin.read()
    assert brief == pathlib.Path(os.environ["PLANDESK_TASK_FILE"]).read_text(), "brief differs"
    order_log, task_id = sys.argv[1], os.environ["PLANDESK_TASK_ID"]
    with open(order_log, "a") as fh:
        fh.write(task_id + "\\n")
    if "worker: fail" in brief:
        print("worker gave up: the parser is missing")
        sys.exit(1)
    if "worker: ask" in brief:
        pathlib.Path(".plandesk").mkdir(exist_ok=True)
        pathlib.Path(".plandesk/NEEDS_INPUT.md").write_text("Which currency should totals use?")
        sys.exit(0)
    pathlib.Path(f"done-{task_id[:8]}.txt").write_text(brief)
    git = ["git", "-c", "user.email=w@example.com", "-c", "user.name=worker"]
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", f"task {task_id}"], check=True)
    print("worked on", task_id)
""")


@pytest.fixture
def bound(server, tmp_path):
    """A git repository with one commit, connected to its own project; yields (repo, project_id, client)."""
    repo = tmp_path / tmp_path.name
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    (repo / "README.md").write_text("app\n")
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "init"], check=True)
    run_cli(server.workspace, "connect", "--repo", str(repo), "--url", server.url, "--new-project", repo.name)
    project_id = json.loads((repo / ".plandesk/config.json").read_text())["projectId"]
    token = (repo / ".plandesk/token").read_text().strip()
    with PlanDeskClient(server.url, token) as client:
        yield repo, project_id, client


def _run(server, repo: Path, *args: str, worker: str | None = None):
    script = repo.parent / "worker.py"
    script.write_text(WORKER)
    order = repo.parent / "order.log"
    command = worker or f"{sys.executable} {script} {order}"
    out = run_cli(
        server.workspace, "runner", "--repo", str(repo), "--worker", command, "--json", *args, check=False
    )
    settled = json.loads(out.stdout) if out.stdout.strip() else []
    lines = order.read_text().split() if order.exists() else []
    return out, settled, lines


def _chain(
    client, project_id: str, labels: list[str], gate: str = "gate: git log -1 --format=%s"
) -> list[dict]:
    made = [
        client.create_task(project_id, label, description=f"Build {label}.\n\n{gate}\n") for label in labels
    ]
    for first, then in itertools.pairwise(made):
        client.create_edge(project_id, first["id"], then["id"], label="blocks")
    return made


def test_runner_takes_three_dependent_tasks_to_done_in_order(server, bound):
    repo, project_id, client = bound
    a, b, c = _chain(client, project_id, ["Add the cart model", "Add the cart API", "Add the cart page"])
    out, settled, order = _run(server, repo, "--until-idle")
    assert out.returncode == 0, out.stderr
    assert order == [a["id"], b["id"], c["id"]]
    assert [s["outcome"] for s in settled] == ["done", "done", "done"]
    for task in (a, b, c):
        fresh = client.get_task(task["id"])
        assert fresh["status"] == "done"
        assert len(fresh["commit_refs"]) == 1
        branch = next(s["branch"] for s in settled if s["task_id"] == task["id"])
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", branch], capture_output=True, text=True, check=True
        )
        assert head.stdout.strip() == fresh["commit_refs"][0]


def test_runner_records_an_agent_run_per_task_with_progress_events(server, bound):
    repo, project_id, client = bound
    (task,) = _chain(client, project_id, ["Write the changelog"])
    out, settled, _ = _run(server, repo, "--once")
    assert out.returncode == 0, out.stderr
    run = client.get_agent_run(settled[0]["run_id"])
    assert run["status"] == "completed"
    assert run["task_ids"] == [task["id"]]
    messages = " | ".join(e["message"] for e in run["events"])
    for step in ("claimed by", "worktree", "worker started", "worker finished: exit 0", "gate:", "done:"):
        assert step in messages


def test_a_task_whose_gate_fails_goes_back_to_todo_with_a_comment(server, bound):
    repo, project_id, client = bound
    (task,) = _chain(
        client,
        project_id,
        ["Make the totals add up"],
        gate="gate: python -c \"raise SystemExit('totals are off by one')\"",
    )
    out, settled, _ = _run(server, repo, "--until-idle")
    assert out.returncode == 1
    assert settled[0]["outcome"] == "todo"
    fresh = client.get_task(task["id"])
    assert fresh["status"] == "todo"
    assert fresh["claimed_by"] is None
    assert fresh["assignee"] is None
    comments = client.list_comments(project_id, target_type="task", target_id=task["id"])["items"]
    assert len(comments) == 1
    assert "The gate failed" in comments[0]["body"]
    assert "totals are off by one" in comments[0]["body"]
    assert client.get_agent_run(settled[0]["run_id"])["status"] == "failed"


def test_a_worker_that_exits_non_zero_returns_the_task_to_todo_with_its_output(server, bound):
    repo, project_id, client = bound
    (task,) = _chain(client, project_id, ["Parse the invoices"], gate="worker: fail\ngate: true")
    out, settled, _ = _run(server, repo, "--once")
    assert out.returncode == 1
    assert settled[0]["outcome"] == "todo"
    assert client.get_task(task["id"])["status"] == "todo"
    body = client.list_comments(project_id, target_type="task", target_id=task["id"])["items"][0]["body"]
    assert "The worker failed (exit 1)" in body
    assert "worker gave up: the parser is missing" in body


def test_a_worker_that_asks_for_input_moves_the_task_to_scope_with_its_question(server, bound):
    repo, project_id, client = bound
    (task,) = _chain(client, project_id, ["Show totals"], gate="worker: ask\ngate: true")
    out, settled, _ = _run(server, repo, "--once")
    assert out.returncode == 1
    assert settled[0]["outcome"] == "scope"
    assert client.get_task(task["id"])["status"] == "scope"
    body = client.list_comments(project_id, target_type="task", target_id=task["id"])["items"][0]["body"]
    assert "Which currency should totals use?" in body


def test_exit_code_3_also_asks_for_input(server, bound):
    repo, project_id, client = bound
    (task,) = _chain(client, project_id, ["Pick a colour"])
    out, settled, _ = _run(server, repo, "--once", worker=f'{sys.executable} -c "raise SystemExit(3)"')
    assert out.returncode == 1
    assert settled[0]["outcome"] == "scope"
    assert client.get_task(task["id"])["status"] == "scope"


def test_once_takes_a_single_task_and_max_tasks_caps_the_count(server, bound):
    repo, project_id, client = bound
    made = [client.create_task(project_id, f"Independent {i}", description="gate: true") for i in range(3)]
    _, settled, _ = _run(server, repo, "--once")
    assert len(settled) == 1
    _, settled, _ = _run(server, repo, "--max-tasks", "1", "--until-idle")
    assert len(settled) == 1
    statuses = sorted(client.get_task(t["id"])["status"] for t in made)
    assert statuses == ["done", "done", "todo"]


def test_concurrency_works_two_tasks_at_the_same_time(server, bound):
    repo, project_id, client = bound
    for i in range(2):
        client.create_task(project_id, f"Parallel {i}", description="gate: true")
    # Each worker waits (bounded) until both have started: with one slot the first would time out and fail.
    meet = repo.parent / "meet"
    meet.mkdir()
    script = repo.parent / "together.py"
    script.write_text(
        textwrap.dedent(f"""
        import os, pathlib, sys, time
        here = pathlib.Path({str(meet)!r})
        (here / os.environ["PLANDESK_TASK_ID"]).write_text("started")
        deadline = time.monotonic() + 60
        while len(list(here.iterdir())) < 2:
            if time.monotonic() > deadline:
                sys.exit(1)
            time.sleep(0.05)
    """)
    )
    out, settled, _ = _run(
        server, repo, "--concurrency", "2", "--until-idle", worker=f"{sys.executable} {script}"
    )
    assert out.returncode == 0, out.stderr
    assert sorted(s["outcome"] for s in settled) == ["done", "done"]


def test_the_runner_keeps_the_lease_alive_while_the_worker_runs(server, bound):
    repo, project_id, client = bound
    (task,) = _chain(client, project_id, ["Run the long migration"], gate="gate: true")
    # The worker itself watches its task through the Python client until the lease has been renewed.
    script = repo.parent / "patient.py"
    script.write_text(
        textwrap.dedent("""
        import os, sys, time
        from plandesk.client import PlanDeskClient
        with PlanDeskClient() as pd:
            first = pd.get_task(os.environ["PLANDESK_TASK_ID"])["lease_expires_at"]
            deadline = time.monotonic() + 60
            while pd.get_task(os.environ["PLANDESK_TASK_ID"])["lease_expires_at"] == first:
                if time.monotonic() > deadline:
                    sys.exit(1)
                time.sleep(0.2)
    """)
    )
    out, settled, _ = _run(
        server, repo, "--once", "--lease-seconds", "10", worker=f"{sys.executable} {script}"
    )
    assert out.returncode == 0, out.stderr
    assert settled[0]["outcome"] == "done"
    assert client.get_task(task["id"])["status"] == "done"


def test_runner_without_a_worker_command_says_how_to_give_one(server, bound):
    repo, _, _ = bound
    out = run_cli(server.workspace, "runner", "--repo", str(repo), "--once", check=False)
    assert out.returncode == 2
    assert "--worker" in out.stderr


def test_stopping_the_runner_hands_the_task_back_and_stops_the_worker(server, bound):
    repo, project_id, client = bound
    (task,) = _chain(client, project_id, ["Wait for ever"], gate="gate: true")
    pid_file = repo.parent / "worker.pid"
    script = repo.parent / "stuck.py"
    script.write_text(
        textwrap.dedent(f"""
        import os, pathlib, time
        pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # stands in for a worker that would run far longer than the test
            time.sleep(0.1)
    """)
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plandesk",
            "runner",
            "--repo",
            str(repo),
            "--once",
            "--json",
            "--worker",
            f"{sys.executable} {script}",
        ],
        env=server.workspace.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not pid_file.exists() or not pid_file.read_text():
            assert proc.poll() is None, "the worker never started"
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.05)
        worker_pid = int(pid_file.read_text())
        assert client.get_task(task["id"])["status"] == "in_progress"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err
    assert json.loads(out)[0]["outcome"] == "todo"
    fresh = client.get_task(task["id"])
    assert fresh["status"] == "todo"
    assert fresh["claimed_by"] is None
    runs = client.list_agent_runs(project_id)["items"]
    assert [r["status"] for r in runs] == ["cancelled"]
    deadline = time.monotonic() + 30
    while _alive(worker_pid):
        assert time.monotonic() < deadline, "the worker outlived the runner"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child not yet reaped by anyone shows as a zombie: it is gone for our purpose.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
