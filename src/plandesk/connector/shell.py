"""code_exec: run one allowlisted program with an argv list in the code root; no shell, no secrets, no network."""

from __future__ import annotations

import os

from plandesk.connector import exec_policy, process, sandbox
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import InvalidArgument

DEFAULT_TIMEOUT_S = 60
MAX_TIMEOUT_S = 600
OUTPUT_CAP = 1024 * 1024


def _timeout(value) -> int:
    if value is None:
        return DEFAULT_TIMEOUT_S
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TIMEOUT_S:
        raise InvalidArgument(f"timeout_s must be from 1 to {MAX_TIMEOUT_S}", field="timeout_s")
    return value


def check(root: CodeRoot, argv, allowlist: list[str], cwd=None) -> tuple[exec_policy.Program, str]:
    """Every refusal happens here, before anything starts."""
    program = exec_policy.check_argv(argv, allowlist, root.path)
    fd, rel = root.open_dir(cwd if cwd not in (None, "") else ".")
    os.close(fd)
    exec_policy.check_path_arguments(argv, root.path, os.path.join(root.path, rel))
    return program, rel


def run_exec(
    root: CodeRoot,
    argv,
    *,
    allowlist: list[str],
    cwd=None,
    timeout_s=None,
    network: bool = False,
    unsandboxed_ok: bool = False,
) -> dict:
    program, _rel = check(root, argv, allowlist, cwd)
    seconds = _timeout(timeout_s)
    sandboxed = sandbox.require(unsandboxed_ok=unsandboxed_ok, what="code_exec")
    args = list(argv[1:])
    if exec_policy._family(os.path.basename(program.path)) in ("sed", "gsed"):
        args = ["--sandbox", *args]  # GNU sed: no e, r or w commands, so a script cannot run or write
    # The working directory is the descriptor we resolved, not a path looked up again at exec time.
    cwd_fd, rel = root.open_dir(cwd if cwd not in (None, "") else ".")
    try:
        where = os.path.join(root.path, rel) if rel else root.path
        policy = sandbox.Policy(
            root=root.path,
            cwd=where,
            write_root=True,
            write_git=False,
            network=network,
            env={"PWD": where},
            limits=sandbox.Limits.from_environment(cpu_s=seconds),
        )
        # The program is the absolute path resolved by the checks: nothing inside looks it up again.
        with sandbox.command([program.path, *args], policy, sandboxed=sandboxed) as (full, env):
            result = process.run(
                full,
                cwd=f"/proc/self/fd/{cwd_fd}",
                pass_fds=(cwd_fd,),
                env=env,
                timeout_s=seconds,
                cap=OUTPUT_CAP,
            )
    finally:
        os.close(cwd_fd)
    return {
        "argv": [program.name, *argv[1:]],
        "program": program.path,
        "cwd": rel or ".",
        "exit_code": result.exit_code,
        "timed_out": result.timed_out,
        "duration_ms": result.duration_ms,
        "stdout": result.stdout.text(),
        "stderr": result.stderr.text(),
        "stdout_truncated": result.stdout.truncated,
        "stderr_truncated": result.stderr.truncated,
        "network": "shared" if network or not sandboxed else "isolated",
        "sandbox": "bubblewrap" if sandboxed else "none",
    }
