"""CLI output that keeps values whole: tables in a pipe and at 80 columns, doctor lines, serve on a busy port."""

from __future__ import annotations

import os
import pty
import re
import select
import socket
import subprocess
import sys
import time

from cli_support import create_token, run_cli

from plandesk.core.lookup import short_id

DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _on_a_terminal(args: list[str], env: dict, columns: int = 80) -> str:
    """Everything the command prints on an 80-column pseudo-terminal (Rich sizes itself to it)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plandesk", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**env, "COLUMNS": str(columns), "TERM": "dumb"},
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=30)
    finally:
        os.close(leader)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace")).replace("\r", "")


def _token(workspace) -> dict:
    import json

    create_token(workspace, "Claude Code on the build machine in the basement", "--expires", "30d")
    (row,) = json.loads(run_cli(workspace, "token", "list", "--json").stdout)
    return row


def test_token_list_in_a_pipe_prints_whole_ids_and_dates(workspace):
    row = _token(workspace)
    out = run_cli(workspace, "token", "list").stdout
    line = next(x for x in out.splitlines() if short_id(row["id"]) in x)
    assert "Claude Code on the build machine in the basement" in line
    assert row["created_at"][:19].replace("T", " ") in line
    assert row["expires_at"][:19].replace("T", " ") in line


def test_token_list_at_80_columns_wraps_but_never_cuts(workspace):
    row = _token(workspace)
    screen = _on_a_terminal(["token", "list"], workspace.env)
    assert max(len(line) for line in screen.splitlines()) <= 80
    assert short_id(row["id"]) in screen
    assert row["created_at"][:10] in screen
    assert row["expires_at"][:10] in screen  # a date's day stays whole
    assert "active" in screen
    assert screen.count("…") == 1  # the prefix column's own mark; nothing else is cut


def test_status_prints_the_short_id_export_accepts(workspace, tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "checkout-revamp.json"
    project_id = run_cli(workspace, "import", "--in", str(example)).stdout.strip().splitlines()[-1]
    shown = run_cli(workspace, "status").stdout
    assert short_id(project_id) in shown
    run_cli(workspace, "export", "--project", short_id(project_id), "--out", str(tmp_path / "p.json"))


def test_doctor_lines_do_not_break_inside_a_value(workspace):
    run_cli(workspace, "init")
    screen = _on_a_terminal(["doctor"], workspace.env, columns=40)
    location = str(workspace.data_dir)
    # The terminal folds a long line where it must; the program itself never inserts a line break in one.
    joined = [line for line in screen.splitlines() if line.strip()]
    assert any(location in line for line in joined), screen


def test_serve_on_a_busy_port_says_so_before_any_open_line(workspace):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = workspace.cli("serve", "--port", str(port), check=False)
    assert out.returncode == 1
    assert f"port {port}" in out.stderr
    assert "--port" in out.stderr
    assert "already in use" in out.stderr
    assert "Open" not in out.stdout
    assert len(out.stderr.strip().splitlines()) == 1
