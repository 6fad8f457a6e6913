"""Starting and stopping the benchmark server as a child process on a free loopback port; its memory; tokens."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

from bench.scratch import Scratch

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process from /proc (Linux), in MiB; None where /proc is not there."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class LiveServer:
    scratch: Scratch
    port: int
    proc: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp/"

    def rss_mib(self) -> float | None:
        return rss_mib(self.proc.pid)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start(
    scratch: Scratch, *, extra_env: dict[str, str] | None = None, timeout: float = 60, workers: int = 1
) -> LiveServer:
    """The bench server (bench/bench_server.py) on `scratch`; returns once /api/v1/health answers 200."""
    port = free_port()
    log_path = scratch.data_dir / f"server-{port}.log"
    env = {**scratch.env(), **(extra_env or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_server", "--port", str(port), "--workers", str(workers)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    server = LiveServer(scratch, port, proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the bench server exited {proc.returncode}: {server.log_text()[-2000:]}")
        try:
            if httpx2.get(f"{server.url}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx2.HTTPError:
            pass
        time.sleep(0.05)  # polling the port until a deadline
    server.stop()
    raise RuntimeError(f"the bench server did not answer within {timeout:.0f} s")


def mint_tokens(scratch: Scratch, count: int, *, name: str = "bench") -> list[str]:
    """`count` planning tokens for the local owner, minted through the core as `plandesk token create` does."""
    from plandesk.core import tokens
    from plandesk.core.users import local_owner_actor

    db = scratch.open()
    try:
        actor = local_owner_actor(db)
        return [tokens.create_token(db, actor, name=f"{name}-{i}")["token"] for i in range(count)]
    finally:
        db.dispose()


def has_mcp() -> bool:
    try:
        import plandesk.mcp.endpoint  # noqa: F401
    except ImportError:
        return False
    return True
