"""README and docs/quickstart.md, word for word: every shell command, in order, in a fresh HOME and a fresh
copy of the repository, typed into bash as a person would, each exiting 0 and printing what the docs show.

A `sh` block's lines are commands; a `text` block right after it is (part of) what they print, `…` standing for
what differs per machine. `plandesk serve` runs in the first terminal and keeps running, as the docs say; the
rest goes to a second terminal (one bash, so `cd` and variables carry from line to line). The port is the one
thing changed: 3847 becomes a free port (through PLANDESK_PORT) so that tests can run side by side.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx2
from inprocess import TLS

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "docs" / "quickstart.md"]
# The contributor commands in the README run the whole test suite and the benchmarks: not the first hour.
NOT_RUN = {"./scripts/test", ".venv/bin/python -m bench"}
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
INSTALL_SECONDS = 600  # a pip install of the package (from pip's cache) on a busy 2-core machine

# Stands in for Claude Code's `claude mcp add`: checks the arguments the docs give it and makes the MCP
# initialize request the real client would make with that URL and header.
CLAUDE_STUB = r"""#!/usr/bin/env bash
set -eu
[ "$1 $2 $3 $4" = "mcp add --transport http" ] || { echo "stub claude: unexpected $*" >&2; exit 64; }
url=$6; [ "$7" = "--header" ] || exit 64; header=$8
case "$header" in "Authorization: Bearer plandesk_mcp_"*) ;; *) echo "stub claude: bad header" >&2; exit 65;; esac
body='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"stub","version":"0"}}}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H "$header" -H 'Content-Type: application/json' \
       -H 'Accept: application/json, text/event-stream' -d "$body")
[ "$code" = 200 ] || { echo "stub claude: initialize answered $code" >&2; exit 1; }
echo "Added HTTP MCP server $5 with URL: $url"
"""


def _steps(doc: Path, port: int) -> list[tuple[list[str], list[str]]]:
    """[(commands of one sh block, lines its text block says it prints)] in document order."""
    steps: list[tuple[list[str], list[str]]] = []
    for _indent, lang, body in FENCE.findall(doc.read_text()):
        body = textwrap.dedent(body).replace("3847", str(port))
        if lang == "sh":
            commands = [
                c for c in body.replace("\\\n", " ").splitlines() if c.strip() and not c.startswith("#")
            ]
            steps.append(([c for c in commands if c.strip() not in NOT_RUN], []))
        elif lang == "text" and steps:
            steps[-1][1].extend(line for line in body.splitlines() if line.strip())
    return [s for s in steps if s[0]]


def _pattern(expected: str) -> re.Pattern:
    return re.compile(".*?".join(re.escape(part) for part in expected.split("…")))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _copy_of_the_repository(target: Path) -> None:
    """What a fresh clone holds: the tracked files (and new ones not ignored), as they are in this tree."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)


def _environment(home: Path, fake_bin: Path, port: int) -> dict:
    """A new user's shell: their own HOME, the system's programs, ~/.local/bin on PATH (as login shells on
    Debian, Ubuntu and Fedora have it), and no trace of the test's own virtual environment."""
    python_bin = Path(sys.base_prefix) / "bin"
    env = {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "LANG", "LC_"))}
    env.update(
        HOME=str(home),
        TERM="dumb",
        PLANDESK_PORT=str(port),
        PATH=os.pathsep.join(
            [str(fake_bin), str(home / ".local/bin"), str(python_bin), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        PIP_CACHE_DIR=str(Path.home() / ".cache" / "pip"),
        # Python writes the bytecode of what the newcomer's commands import when they first import it, instead
        # of pip compiling every file of every dependency up front: the same commands, less CPU in a suite.
        PIP_NO_COMPILE="1",
    )  # the machine's pip cache: no re-download
    user_config = Path.home() / ".config" / "pip" / "pip.conf"  # the machine's package index settings
    if user_config.is_file():
        env["PIP_CONFIG_FILE"] = str(user_config)
    return env


class Terminal:
    """One bash reading commands as typed; each command's output and exit status, read with a deadline."""

    def __init__(self, cwd: Path, env: dict) -> None:
        self.proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.count = 0

    def run(self, command: str, timeout: float) -> tuple[int, str]:
        self.count += 1
        marker = f"__plandesk_step_{self.count}__"
        self.proc.stdin.write(f"{command}\necho; echo {marker}=$?\n".encode())
        self.proc.stdin.flush()
        seen = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 1)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
                found = re.search(rf"{marker}=(\d+)", seen.decode(errors="replace"))
                if found:
                    return int(found.group(1)), seen.decode(errors="replace").split(marker)[0]
        raise AssertionError(
            f"{command!r} did not finish within {timeout} s:\n{seen.decode(errors='replace')}"
        )

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


class ServerTerminal:
    """The first terminal: a command ending in `plandesk serve`, left running as the docs say."""

    def __init__(self, command: str, cwd: Path, env: dict, log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_serving(self, port: int, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode} before serving:\n{self.output()}")
            try:
                health = httpx2.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2, verify=TLS)
                if health.status_code == 200:
                    return self.output()
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)  # polling the port with a deadline
        raise AssertionError(f"not serving after {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        """Ctrl-C, as a person ends `plandesk serve`."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def _check_output(doc: Path, commands: list[str], output: str, expected: list[str]) -> None:
    for line in expected:
        assert _pattern(line).search(output), (
            f"{doc.name}: {commands} should print {line!r}; printed:\n{output}"
        )


def test_readme_and_quickstart_work_word_for_word_in_a_fresh_home(tmp_path):
    home, clone, fake_bin = tmp_path / "home", tmp_path / "plandesk", tmp_path / "bin"
    for folder in (home, clone, fake_bin):
        folder.mkdir()
    _copy_of_the_repository(clone)
    (fake_bin / "claude").write_text(CLAUDE_STUB)
    (fake_bin / "claude").chmod(0o755)
    ran: list[str] = []
    for doc in DOCS:
        # A port per document: the gap between one server's end and the next one's start (an install) is long
        # enough for another test to take a port just freed.
        port = _free_port()
        env = _environment(home, fake_bin, port)
        server: ServerTerminal | None = None
        second = Terminal(clone, env)  # the second terminal opens in the same folder
        try:
            for commands, expected in _steps(doc, port):
                outputs = []
                for command in commands:
                    ran.append(command)
                    if command.rstrip().endswith("plandesk serve"):
                        assert server is None, "the docs start a second server"
                        server = ServerTerminal(command, clone, env, tmp_path / f"{doc.stem}-serve.log")
                        outputs.append(server.wait_until_serving(port, INSTALL_SECONDS))
                        continue
                    code, out = second.run(command, INSTALL_SECONDS)
                    assert code == 0, f"{doc.name}: {command!r} exited {code}:\n{out}"
                    outputs.append(out)
                _check_output(doc, commands, "\n".join(outputs), expected)
        finally:
            second.close()
            if server is not None:
                server.stop()  # the reader closes the server before following the next document
    assert any("plandesk connect" in c for c in ran)
    assert any("claude mcp add" in c for c in ran)
    agents_md = (home / "checkout-demo" / "AGENTS.md").read_text()
    assert "plandesk context --json" in agents_md  # the command the agent is told to run, and it ran above
