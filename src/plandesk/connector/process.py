"""Running a child process for the connector: argv only, its own process group, a timeout, capped output."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import BinaryIO

SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_CAP = 1024 * 1024


@dataclass
class Captured:
    """The end of a stream, kept up to a cap, plus how much there was in all."""

    cap: int
    data: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > self.cap:
            del self.data[: len(self.data) - self.cap]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.data)

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", "replace")


@dataclass
class Finished:
    exit_code: int | None
    duration_ms: int
    timed_out: bool
    stdout: Captured
    stderr: Captured


def _pump(stream, captured: Captured, sink: BinaryIO | None, sink_cap: int) -> None:
    written = 0
    try:
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                break
            captured.add(chunk)
            if sink is not None and written < sink_cap:
                sink.write(chunk[: sink_cap - written])
                written += len(chunk)
    except (OSError, ValueError):
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(
    argv: list[str],
    *,
    cwd: str | None = None,
    env: dict[str, str],
    timeout_s: float,
    cap: int = DEFAULT_CAP,
    stdin_data: bytes | None = None,
    sink: BinaryIO | None = None,
    sink_cap: int = 50 * 1024 * 1024,
    merge_stderr: bool = False,
    pass_fds: tuple[int, ...] = (),
    executable: str | None = None,
) -> Finished:
    """Run argv with no shell in a new session; kill the whole group on timeout and after it exits."""
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        executable=executable,
        cwd=cwd,
        env=env,
        shell=False,
        start_new_session=True,
        close_fds=True,
        pass_fds=pass_fds,
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
    )
    out, err = Captured(cap), Captured(cap)
    pumps = [threading.Thread(target=_pump, args=(proc.stdout, out, sink, sink_cap), daemon=True)]
    if not merge_stderr:
        pumps.append(threading.Thread(target=_pump, args=(proc.stderr, err, None, 0), daemon=True))
    for t in pumps:
        t.start()
    if stdin_data is not None:
        assert proc.stdin is not None, "stdin is a pipe when there is data to send"
        try:
            proc.stdin.write(stdin_data)
        except (BrokenPipeError, OSError):
            pass
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
    timed_out = False
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc.pid)
        proc.wait()
    finally:
        # Children that daemonised would outlive the call: the group goes with it.
        kill_group(proc.pid)
    for t in pumps:
        t.join(timeout=5)
    return Finished(
        None if timed_out else proc.returncode, int((time.monotonic() - started) * 1000), timed_out, out, err
    )
