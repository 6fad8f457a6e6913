"""Running a worker or a gate: argv only (never a shell), its own process group, a time limit, a log file."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import anyio

from plandesk.connector.process import kill_group

# What a child inherits from the runner; everything else (tokens, cloud keys) stays out unless passed on purpose.
INHERITED_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "SHELL",
    "VIRTUAL_ENV",
)
TAIL_CHARS = 4000


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None  # None: it could not start, or was killed at the time limit
    timed_out: bool = False
    error: str | None = None


def minimal_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in INHERITED_ENV if k in os.environ}
    env.update(extra)
    return env


async def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    timeout: float,
    stdin_text: str | None = None,
) -> Outcome:
    """Run argv to completion, appending its stdout and stderr to log_path; kill its whole group on timeout."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # A local append-only log: opening it is quick, and the child writes to it directly, not through us.
    with open(log_path, "ab") as log:  # noqa: ASYNC230
        log.write(f"$ {' '.join(argv)}\n".encode())
        log.flush()
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(cwd),
                env=env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.PIPE if stdin_text is not None else asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            log.write(f"could not start {argv[0]}: {exc}\n".encode())
            return Outcome(None, error=f"could not start {argv[0]}: {exc.strerror or exc}")
        try:
            async with asyncio.timeout(timeout):
                if stdin_text is not None:
                    try:
                        await proc.communicate(stdin_text.encode())
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # a worker that ignores its stdin is allowed to close it early
                return Outcome(await proc.wait())
        except TimeoutError:
            kill_group(proc.pid)
            await proc.wait()
            log.write(f"\n[plandesk runner] killed after {timeout:g} s\n".encode())
            return Outcome(None, timed_out=True, error=f"timed out after {timeout:g} s")
        except asyncio.CancelledError:
            kill_group(proc.pid)
            # Reap it even though we are being cancelled: anyio re-delivers cancellation at every await.
            with anyio.CancelScope(shield=True):
                await proc.wait()
            raise


def tail(path: Path, chars: int = TAIL_CHARS) -> str:
    """The end of a log: what a person reads first when a task comes back."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.seek(max(0, size - chars))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return ("…" + text) if size > chars else text
