"""Code search: find files by glob and grep by regex with context, through ripgrep in a bounded child process.

ripgrep's regex engine runs in linear time (no backtracking, no look-around or backreferences), and it reads
.gitignore and .git/info/exclude itself with the same linear-time globs, so neither a pattern nor an ignore file
written by a member can hold the server. The child runs in the connector's sandbox (read-only code root), with a
time budget after which its whole process group is killed, and a cap on the output read from it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading

from plandesk.connector import process, sandbox
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import InvalidArgument, Unavailable

DEFAULT_RESULTS = 200
MAX_RESULTS = 2000
MAX_CONTEXT = 10
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LINE_CHARS = 500
MAX_PATTERN = 1000
TIME_BUDGET_S = 20.0
OUTPUT_CAP = 32 * 1024 * 1024
# Ignore files git reads, not ripgrep's own .ignore/.rgignore; hidden files are searched, .git never is.
COMMON_ARGS = (
    "--hidden",
    "--no-require-git",
    "--no-ignore-dot",
    "--no-ignore-global",
    "--no-follow",
    "--sort=path",
    f"--max-filesize={MAX_FILE_BYTES}",
    "--no-config",
    "--regex-size-limit=20M",
    "--dfa-size-limit=20M",
)
NO_GIT_DIR = "--glob=!.[gG][iI][tT]"


class SearchUnavailable(Unavailable):
    pass


def _rg_binary() -> str:
    found = shutil.which("rg", path=process.SAFE_PATH)
    if found is None:
        raise SearchUnavailable(
            "code_search needs ripgrep on the server (apt-get install ripgrep); the search "
            "engine must run in linear time in a child process"
        )
    return os.path.realpath(found)


def _stream(root: CodeRoot, args: list[str], outcome: dict):
    """Yield ripgrep's output lines; the child dies at the time budget, at the output cap, or when the caller
    stops reading (close the generator). `outcome` gets the exit code, whether it was cut short, and stderr."""
    policy = sandbox.Policy(
        root=root.path, cwd=root.path, limits=sandbox.Limits.from_environment(cpu_s=int(TIME_BUDGET_S) + 5)
    )
    outcome.update(returncode=None, timed_out=False, error=b"")
    with sandbox.command(
        [_rg_binary(), "--no-config", *args], policy, sandboxed=sandbox.status()["available"]
    ) as (argv, env):
        proc = subprocess.Popen(
            argv,
            cwd=root.path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
        stdout, stderr = proc.stdout, proc.stderr
        assert stdout is not None, "stdout=PIPE"
        assert stderr is not None, "stderr=PIPE"

        def out_of_time() -> None:
            outcome.update(timed_out=True)
            process.kill_group(proc.pid)

        timer = threading.Timer(TIME_BUDGET_S, out_of_time)
        timer.daemon = True
        timer.start()
        errors = threading.Thread(target=lambda: outcome.update(error=stderr.read(64 * 1024)), daemon=True)
        errors.start()
        read = 0
        try:
            for line in stdout:
                read += len(line)
                if read > OUTPUT_CAP:
                    outcome["timed_out"] = True  # reported as truncated
                    break
                yield line
        finally:
            timer.cancel()
            process.kill_group(proc.pid)
            stdout.close()
            proc.wait()
            errors.join(timeout=5)
            stderr.close()
            outcome["returncode"] = proc.returncode


def _finish(outcome: dict, field: str) -> bool:
    """True when the run was cut short; a real error (bad regex) becomes a clear invalid_argument."""
    if outcome["timed_out"]:
        return True
    if outcome["returncode"] == 2 and outcome["error"]:
        message = outcome["error"].decode("utf-8", "replace").strip()
        if "regex" in message or "glob" in message:
            detail = " ".join(message.split())[:400]
            raise InvalidArgument(
                f"{field} is not valid for the linear-time search engine (no look-around or "
                f"backreferences): {detail}",
                field=field,
            )
    return False


def _target(root: CodeRoot, path) -> str:
    fd, rel = root.open_dir(path)  # containment, links and .git refused as for every tool
    os.close(fd)
    return rel or "."


def _glob_args(glob) -> list[str]:
    if glob is None:
        return []
    if (
        not isinstance(glob, str)
        or not glob.strip()
        or len(glob) > MAX_PATTERN
        or "\x00" in glob
        or glob.startswith("!")
    ):
        raise InvalidArgument("glob must be a pattern like **/*.py or src/*.ts", field="glob")
    return [f"--glob={glob.lstrip('/')}"]


def _relative(path: str) -> str:
    return path.removeprefix("./")


def _limit(value, default: int, maximum: int, field: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise InvalidArgument(f"{field} must be a whole number from 0 to {maximum}", field=field)
    return value


def find_files(
    root: CodeRoot, glob: str, *, path=None, max_results=None, include_ignored: bool = False
) -> dict:
    if not isinstance(glob, str) or not glob.strip():
        raise InvalidArgument("glob must be a pattern like **/*.py or src/*.ts", field="glob")
    cap = _limit(max_results, DEFAULT_RESULTS, MAX_RESULTS, "max_results") or DEFAULT_RESULTS
    args = [
        "--files",
        *COMMON_ARGS,
        *(["--no-ignore"] if include_ignored else []),
        *_glob_args(glob),
        NO_GIT_DIR,
        "--",
        _target(root, path),
    ]
    found: list[str] = []
    truncated = False
    outcome: dict = {}
    lines = _stream(root, args, outcome)
    try:
        for line in lines:
            if len(found) >= cap:
                truncated = True
                break
            found.append(_relative(line.decode("utf-8", "replace").rstrip("\n")))
    finally:
        lines.close()
    timed_out = _finish(outcome, "glob")
    return {"files": found, "count": len(found), "truncated": truncated or timed_out, "timed_out": timed_out}


def check_query(query) -> str:
    if not isinstance(query, str) or query == "" or len(query) > MAX_PATTERN or "\x00" in query:
        raise InvalidArgument(
            f"query must be a non-empty regular expression of at most {MAX_PATTERN} characters", field="query"
        )
    return query


def _text(data: dict) -> str:
    if "text" in data:
        return data["text"]
    return base64.b64decode(data.get("bytes", "")).decode("utf-8", "replace")


def _line(text: str) -> str:
    return text[:-1][:MAX_LINE_CHARS] if text.endswith("\n") else text[:MAX_LINE_CHARS]


def _file_results(rel: str, lines: dict[int, str], matched: list[int], context: int) -> list[dict]:
    return [
        {
            "path": rel,
            "line": n,
            "text": lines[n],
            "before": [lines[i] for i in range(max(1, n - context), n) if i in lines],
            "after": [lines[i] for i in range(n + 1, n + 1 + context) if i in lines],
        }
        for n in matched
    ]


def grep(
    root: CodeRoot,
    query,
    *,
    path=None,
    glob=None,
    context_lines=None,
    case_insensitive: bool = False,
    literal: bool = False,
    max_results=None,
    include_ignored: bool = False,
) -> dict:
    query = check_query(query)
    context = _limit(context_lines, 2, MAX_CONTEXT, "context_lines")
    cap = _limit(max_results, DEFAULT_RESULTS, MAX_RESULTS, "max_results") or DEFAULT_RESULTS
    args = [
        "--json",
        *COMMON_ARGS,
        f"--context={context}",
        *(["--fixed-strings"] if literal else []),
        *(["--ignore-case"] if case_insensitive else ["--case-sensitive"]),
        *(["--no-ignore"] if include_ignored else []),
        *_glob_args(glob),
        NO_GIT_DIR,
        f"--regexp={query}",
        "--",
        _target(root, path),
    ]
    results: list[dict] = []
    files_scanned = files_matched = 0
    truncated = False
    lines: dict[int, str] = {}
    matched: list[int] = []
    outcome: dict = {}
    stream = _stream(root, args, outcome)
    try:
        for raw in stream:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            kind, data = event.get("type"), event.get("data") or {}
            if kind == "begin":
                lines, matched = {}, []
            elif kind in ("match", "context"):
                n = data.get("line_number")
                if isinstance(n, int):
                    lines[n] = _line(_text(data.get("lines") or {}))
                    if kind == "match":
                        matched.append(n)
            elif kind == "end":
                if matched:
                    files_matched += 1
                    found = _file_results(_relative(_text(data.get("path") or {})), lines, matched, context)
                    room = cap - len(results)
                    if len(found) > room:
                        results += found[:room]
                        truncated = True
                        break
                    results += found
            elif kind == "summary":
                files_scanned = int((data.get("stats") or {}).get("searches") or 0)
    finally:
        stream.close()
    timed_out = _finish(outcome, "query")
    return {
        "matches": results,
        "count": len(results),
        "files_scanned": files_scanned,
        "files_matched": files_matched,
        "truncated": truncated or timed_out,
        "timed_out": timed_out,
    }
