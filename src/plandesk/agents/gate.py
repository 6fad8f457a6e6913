"""A task's gate: the commands in its description that decide whether the work is done.

Two forms, one command per line, run as argv (no shell) in the task's worktree, in order, stopping at the
first failure:

    gate: pytest -q tests/test_upload.py

    ```gate
    ruff check src
    pytest -q
    ```
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

from plandesk.agents import child_process

_GATE_LINE = re.compile(r"^\s*(?:[-*]\s+)?gate:\s*(?P<cmd>.+?)\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*(?P<info>[\w.+-]*)")


class GateSyntaxError(ValueError):
    """A gate line that cannot be split into argv (an unclosed quote): the task needs fixing, not retrying."""


@dataclass
class GateResult:
    passed: bool | None  # None: the task has no gate
    commands: list[dict] = field(default_factory=list)
    failed_command: str | None = None


def commands_in(description: str | None) -> list[list[str]]:
    """Every gate command in the description, as argv lists, in order of appearance."""
    out: list[list[str]] = []
    fence: str | None = None
    in_gate = False
    for line in (description or "").splitlines():
        m = _FENCE.match(line)
        if fence is None and m:
            fence, in_gate = m.group(1), m.group("info").lower() == "gate"
            continue
        if fence is not None:
            if line.strip().startswith(fence[0] * 3) and line.strip().strip(fence[0]) == "":
                fence, in_gate = None, False
            elif in_gate and line.strip() and not line.strip().startswith("#"):
                out.append(_split(line.strip()))
            continue
        g = _GATE_LINE.match(line)
        if g:
            out.append(_split(g.group("cmd").strip().strip("`").strip()))
    return [argv for argv in out if argv]


def _split(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise GateSyntaxError(f"the gate command {command!r} cannot be split into arguments: {exc}") from exc


async def run_gate(
    argvs: list[list[str]], *, cwd: Path, env: dict[str, str], log_path: Path, timeout: float
) -> GateResult:
    if not argvs:
        return GateResult(passed=None)
    result = GateResult(passed=True)
    for argv in argvs:
        started = time.monotonic()
        outcome = await child_process.run(argv, cwd=cwd, env=env, log_path=log_path, timeout=timeout)
        result.commands.append(
            {
                "argv": argv,
                "exit_code": outcome.exit_code,
                "timed_out": outcome.timed_out,
                "seconds": round(time.monotonic() - started, 3),
            }
        )
        if outcome.exit_code != 0:
            result.passed = False
            result.failed_command = shlex.join(argv) + (
                f" ({outcome.error})" if outcome.error else f" (exit {outcome.exit_code})"
            )
            break
    return result
