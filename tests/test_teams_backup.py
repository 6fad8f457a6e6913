"""plandesk backup and restore: a copy taken while agents write restores whole; restore refuses what is unsafe."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time

import pytest
from cli_support import run_cli
from conftest import BACKEND, new_workspace

# In-process servers, and the CLI's backup and restore in-process beside them (run_cli): an in-process server
# holds the workspace's serving lock as a `plandesk serve` would, and the lock (flock, one per open descriptor)
# is seen by a restore in the same process as by one in another.
pytestmark = pytest.mark.server("app", fresh=True)

sqlite_only = pytest.mark.skipif(
    BACKEND != "sqlite", reason="SQLite files; PostgreSQL uses pg_dump (tested below)"
)


def task_ids(db_file) -> set[str]:
    conn = sqlite3.connect(f"{db_file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM tasks")}
    finally:
        conn.close()


class Writers:
    """Agents creating tasks on threads; `acknowledged` holds every id the server answered 201 for."""

    def __init__(self, server, project_id: str, n: int = 4):
        self.acknowledged: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(server, project_id, i)) for i in range(n)]
        for t in self.threads:
            t.start()

    def _run(self, server, project_id: str, i: int) -> None:
        with server.client() as c:
            n = 0
            while not self.stop.is_set():
                r = c.post(f"/api/v1/projects/{project_id}/tasks", json={"label": f"writer {i} task {n}"})
                assert r.status_code == 201, r.text
                with self.lock:
                    self.acknowledged.append(r.json()["id"])
                n += 1

    def snapshot(self) -> set[str]:
        with self.lock:
            return set(self.acknowledged)

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.snapshot()) < count:
            assert time.monotonic() < deadline, "the writers did not get going"
            time.sleep(0.02)  # polling a counter with a deadline

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


@sqlite_only
def test_a_backup_taken_while_agents_write_restores_to_a_workspace_that_passes_doctor(
    server, project, tmp_path
):
    writers = Writers(server, project["id"])
    try:
        writers.wait_for(40)
        before = writers.snapshot()
        out = run_cli(server.workspace, "backup", "--out", str(tmp_path / "during-writes.db"))
        during = len(writers.snapshot())
    finally:
        writers.finish()
    assert "integrity ok" in out.stdout
    assert during > len(before)  # the agents kept writing while the copy was taken
    target = new_workspace(tmp_path, "sqlite")
    restored = run_cli(target, "restore", "--in", str(tmp_path / "during-writes.db"))
    assert "Restored" in restored.stdout
    doctor = run_cli(target, "doctor", check=False)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert before <= task_ids(target.data_dir / "workspace.db")  # every write acknowledged before the backup


@sqlite_only
def test_the_backup_file_is_readable_by_its_owner_only(workspace, tmp_path):
    run_cli(workspace, "init")
    run_cli(workspace, "backup", "--out", str(tmp_path / "b.db"))
    assert stat.S_IMODE((tmp_path / "b.db").stat().st_mode) == 0o600


@sqlite_only
def test_backup_does_not_overwrite_an_existing_file_without_force(workspace, tmp_path):
    run_cli(workspace, "init")
    (tmp_path / "b.db").write_text("precious")
    r = run_cli(workspace, "backup", "--out", str(tmp_path / "b.db"), check=False)
    assert r.returncode != 0
    assert "--force" in r.stderr
    assert (tmp_path / "b.db").read_text() == "precious"
    run_cli(workspace, "backup", "--out", str(tmp_path / "b.db"), "--force")
    assert (tmp_path / "b.db").read_bytes().startswith(b"SQLite format 3")


@sqlite_only
def test_restore_refuses_while_a_server_runs_on_the_workspace(workspace, serve, tmp_path):
    run_cli(workspace, "init")
    run_cli(workspace, "backup", "--out", str(tmp_path / "b.db"))
    server = serve("app", workspace)
    r = run_cli(workspace, "restore", "--in", str(tmp_path / "b.db"), check=False)
    assert r.returncode != 0
    assert "server is running" in r.stderr
    server.stop()
    assert not (workspace.data_dir / "workspace.db.bak").exists()  # nothing was touched
    r = run_cli(workspace, "restore", "--in", str(tmp_path / "b.db"))
    assert "workspace.db.bak" in r.stdout


@sqlite_only
def test_restore_keeps_the_replaced_database_as_bak(server, project, serve, tmp_path):
    ws = server.workspace
    run_cli(ws, "backup", "--out", str(tmp_path / "empty-project.db"))
    task = (
        server.client().post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "after backup"}).json()
    )
    server.stop()
    run_cli(ws, "restore", "--in", str(tmp_path / "empty-project.db"))
    assert task["id"] not in task_ids(ws.data_dir / "workspace.db")
    assert task["id"] in task_ids(ws.data_dir / "workspace.db.bak")
    again = serve("app", ws)
    assert again.client().get(f"/api/v1/projects/{project['id']}").status_code == 200
    assert again.client().get(f"/api/v1/tasks/{task['id']}").status_code == 404


@sqlite_only
@pytest.mark.parametrize("kind", ["not sqlite", "other sqlite", "corrupt"])
def test_restore_refuses_a_file_that_is_not_a_whole_workspace(workspace, tmp_path, kind):
    run_cli(workspace, "init")
    bad = tmp_path / "bad.db"
    if kind == "not sqlite":
        bad.write_bytes(b"hello, I am a text file\n" * 100)
    elif kind == "other sqlite":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE notes (x)")
        conn.commit()
        conn.close()
    else:
        run_cli(workspace, "backup", "--out", str(tmp_path / "good.db"))
        data = bytearray((tmp_path / "good.db").read_bytes())
        data[len(data) // 2 : len(data) // 2 + 8192] = b"\xff" * 8192  # scribble over pages in the middle
        bad.write_bytes(bytes(data))
    before = (workspace.data_dir / "workspace.db").read_bytes()
    r = run_cli(workspace, "restore", "--in", str(bad), check=False)
    assert r.returncode != 0
    assert r.stderr.strip()
    assert (workspace.data_dir / "workspace.db").read_bytes() == before


def test_postgresql_backup_prints_pg_dump_without_the_password(tmp_path):
    ws = new_workspace(tmp_path, "sqlite")
    url = "postgresql://planner:s3cret-pw@db.internal:5432/plans"
    r = run_cli(ws, "backup", "--out", "plans.dump", "--database-url", url)
    assert r.stdout.strip().startswith("pg_dump --format=custom")
    assert "planner@db.internal:5432/plans" in r.stdout
    assert "s3cret-pw" not in r.stdout + r.stderr
    assert "PGPASSWORD" in r.stderr
    r = run_cli(ws, "restore", "--in", "plans.dump", "--database-url", url)
    assert r.stdout.strip().startswith("pg_restore")
