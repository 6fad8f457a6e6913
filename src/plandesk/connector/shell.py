"""code_exec: run one allowlisted program with an argv list in the code root; no shell, no secrets, no network."""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile

from plandesk.connector import exec_policy, process
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import InvalidArgument

DEFAULT_TIMEOUT_S = 60
MAX_TIMEOUT_S = 600
OUTPUT_CAP = 1024 * 1024


@functools.lru_cache(maxsize=1)
def _unshare_argv() -> tuple[str, ...] | None:
    """How to start a program without network on this machine, or None where the kernel does not allow it."""
    tool = next((os.path.join(d, "unshare") for d in process.SAFE_PATH.split(":")
                 if os.access(os.path.join(d, "unshare"), os.X_OK)), None)
    if tool is None:
        return None
    for argv in ((tool, "--net", "--"), (tool, "--net", "--map-root-user", "--")):
        try:
            ok = subprocess.run([*argv, "/bin/true"], env={"PATH": process.SAFE_PATH}, capture_output=True,
                                timeout=10, check=False).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            return argv
    return None


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


def run_exec(root: CodeRoot, argv, *, allowlist: list[str], cwd=None, timeout_s=None,
             network: bool = False) -> dict:
    program, _rel = check(root, argv, allowlist, cwd)
    seconds = _timeout(timeout_s)
    args = list(argv[1:])
    if exec_policy._family(os.path.basename(program.path)) in ("sed", "gsed"):
        args = ["--sandbox", *args]  # GNU sed: no e, r or w commands, so a script cannot run or write
    # The working directory is the descriptor we resolved, not a path looked up again at exec time.
    cwd_fd, rel = root.open_dir(cwd if cwd not in (None, "") else ".")
    with tempfile.TemporaryDirectory(prefix="pd-exec-home-") as home:
        env = {"PATH": process.SAFE_PATH, "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "TERM": "dumb", "PWD": os.path.join(root.path, rel)}
        prefix = () if network else _unshare_argv()
        isolated = not network and prefix is not None
        full = [*(prefix or ()), program.path, *args] if prefix else [program.name, *args]
        try:
            result = process.run(full, executable=None if prefix else program.path, cwd=f"/proc/self/fd/{cwd_fd}",
                                 pass_fds=(cwd_fd,), env=env, timeout_s=seconds, cap=OUTPUT_CAP)
        finally:
            os.close(cwd_fd)
    return {"argv": [program.name, *argv[1:]], "program": program.path, "cwd": rel or ".",
            "exit_code": result.exit_code, "timed_out": result.timed_out, "duration_ms": result.duration_ms,
            "stdout": result.stdout.text(), "stderr": result.stderr.text(),
            "stdout_truncated": result.stdout.truncated, "stderr_truncated": result.stderr.truncated,
            "network": "isolated" if isolated else "shared"}
