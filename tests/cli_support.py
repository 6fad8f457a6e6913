"""The plandesk command run in this process: what `Workspace.cli` does, without starting a Python per call.

`Workspace.cli` (conftest) runs `python -m plandesk ...` as a child process; on a busy 2-core machine each
call costs one to two seconds of interpreter start and imports. `run_cli` calls the same click command that
`python -m plandesk` builds (`plandesk.cli.main.command`), through click's CliRunner, with the workspace's
environment (its PLANDESK_* variables only, as the child would see them), stdin, cwd and exit code, and
answers with the same `subprocess.CompletedProcess`. A test about the process itself (a terminal, a signal,
`plandesk serve`, a hook a client runs) keeps `Workspace.cli` or its own subprocess.
"""

from __future__ import annotations

import os
import subprocess
import traceback

from click.testing import CliRunner


def run_cli(
    ws, *args: str, input: str | None = None, check: bool = True, cwd=None, extra_env=None
) -> subprocess.CompletedProcess:
    """`plandesk ARGS` on workspace `ws`, in-process; the same arguments and answer as `ws.cli(...)`."""
    from plandesk.cli.main import command

    if args and args[0] == "serve":
        raise ValueError("`plandesk serve` runs until stopped: start it with serve('process') instead")
    argv = list(args)
    # The child's environment is the test's without any PLANDESK_* variable, plus the workspace's own.
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("PLANDESK_")}
    env.update({k: v for k, v in ws.env.items() if k.startswith("PLANDESK_")})
    env.update(extra_env or {})
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(command(argv), argv, input=input, env=env, prog_name="plandesk")
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()  # a command may set variables of its own: none outlive the call
        os.environ.update(saved_env)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # What Python prints for an uncaught error, with its exit status 1.
        stderr += "".join(traceback.format_exception(result.exception))
    proc = subprocess.CompletedProcess(["plandesk", *argv], result.exit_code, result.stdout, stderr)
    if check and proc.returncode != 0:
        raise AssertionError(f"plandesk {' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}\n{stderr}")
    return proc


def create_token(ws, name: str = "test", *extra: str) -> str:
    """`plandesk token create --name NAME ...` in-process; the raw token it prints last."""
    return run_cli(ws, "token", "create", "--name", name, *extra).stdout.strip().splitlines()[-1]


def create_user(ws, email: str, role: str, password: str) -> None:
    """`plandesk user create --email EMAIL --role ROLE --password-stdin`, in-process."""
    run_cli(ws, "user", "create", "--email", email, "--role", role, "--password-stdin", input=password + "\n")
