"""The workspace commands: init, doctor, version, serve's refusals.

init, doctor and version run in-process (run_cli); serve's refusals stay a real `plandesk serve` process
(serve cannot run in-process, and its exit status is the process's)."""

from __future__ import annotations

import sqlite3

import pytest
from cli_support import run_cli
from conftest import BACKEND


def test_init_is_idempotent_and_prints_the_path(workspace):
    first = run_cli(workspace, "init")
    second = run_cli(workspace, "init")
    assert first.stdout == second.stdout
    if BACKEND == "sqlite":
        assert str(workspace.data_dir / "workspace.db") in first.stdout
        assert (workspace.data_dir / "workspace.db").exists()


def test_doctor_reports_a_fresh_workspace_healthy(workspace):
    run_cli(workspace, "init")
    out = run_cli(workspace, "doctor", check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "healthy" in out.stdout


@pytest.mark.skipif(BACKEND != "sqlite", reason="file corruption is a SQLite matter")
def test_doctor_exits_2_on_a_corrupt_database(workspace):
    run_cli(workspace, "init")
    db = workspace.data_dir / "workspace.db"
    for suffix in ("-wal", "-shm"):
        (workspace.data_dir / f"workspace.db{suffix}").unlink(missing_ok=True)
    raw = bytearray(db.read_bytes())
    raw[0:16] = b"garbage-garbage!"
    db.write_bytes(bytes(raw))
    out = run_cli(workspace, "doctor", check=False)
    assert out.returncode == 2, out.stdout + out.stderr


@pytest.mark.skipif(BACKEND != "sqlite", reason="uses the SQLite file directly")
def test_a_database_newer_than_the_code_is_refused_with_a_clear_message(workspace):
    run_cli(workspace, "init")
    with sqlite3.connect(workspace.data_dir / "workspace.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    out = workspace.cli("serve", "--port", "1", check=False)
    assert out.returncode == 1
    assert "newer Plan Desk" in out.stderr


def test_serve_refuses_a_remote_host_without_allow_remote(workspace):
    out = workspace.cli("serve", "--host", "0.0.0.0", check=False)
    assert out.returncode == 2
    assert "--allow-remote" in out.stderr


def test_version_prints_the_version(workspace):
    from plandesk import __version__

    assert run_cli(workspace, "version").stdout.strip() == f"plandesk {__version__}"
