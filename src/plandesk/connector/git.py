"""Git tools: status, diff, log, branch, commit, push; argv only, hooks and filters off, user values never options."""

from __future__ import annotations

import os
import re
import tempfile

from plandesk.connector import process
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import Conflict, InvalidArgument

GIT_TIMEOUT_S = 60
PUSH_TIMEOUT_S = 300
MAX_DIFF_BYTES = 512 * 1024
MAX_LOG = 200
MAX_PATHS = 200
MAX_MESSAGE = 10_000
_REV = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@{}~^+-]{0,199}")
_REMOTE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_SHA = re.compile(r"[0-9a-f]{7,64}")


class GitFailed(Conflict):
    """git ran and said no (merge conflicts, nothing to commit, a rejected push)."""


def _hardening(root: str) -> list[str]:
    # Repository config can name programs (hooks, fsmonitor, pagers, editors); none of them may run.
    return ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.pager=cat",
            "-c", "core.editor=true", "-c", "sequence.editor=true", "-c", "diff.external=",
            "-c", "protocol.ext.allow=never", "-c", "submodule.recurse=false", "-c", "gc.auto=0",
            "-c", "maintenance.auto=false", "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false",
            "-c", f"safe.directory={root}", "-c", "core.quotePath=false", "-c", "color.ui=false"]


def _env(scratch_home: str, *, credentials: bool) -> dict[str, str]:
    env = {"PATH": process.SAFE_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "GIT_TERMINAL_PROMPT": "0",
           "GIT_LITERAL_PATHSPECS": "1", "GIT_PAGER": "cat", "PAGER": "cat", "GIT_EDITOR": "true",
           "GIT_OPTIONAL_LOCKS": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    if credentials and os.environ.get("HOME"):
        # A push needs the server account's own credentials (ssh agent, credential helper); nothing else does.
        env["HOME"] = os.environ["HOME"]
        if os.environ.get("SSH_AUTH_SOCK"):
            env["SSH_AUTH_SOCK"] = os.environ["SSH_AUTH_SOCK"]
    else:
        env["HOME"] = scratch_home
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    return env


def run_git(root: CodeRoot, args: list[str], *, timeout_s: float = GIT_TIMEOUT_S, stdin_data: bytes | None = None,
            credentials: bool = False, extra_env: dict | None = None, cap: int = MAX_DIFF_BYTES):
    with tempfile.TemporaryDirectory(prefix="pd-git-home-") as home:
        env = {**_env(home, credentials=credentials), **(extra_env or {})}
        argv = ["git", "--no-pager", *_hardening(root.path), "-C", root.path, *args]
        return process.run(argv, cwd=root.path, env=env, timeout_s=timeout_s, cap=cap, stdin_data=stdin_data,
                           executable=_git_binary())


def _git_binary() -> str:
    for d in process.SAFE_PATH.split(":"):
        candidate = os.path.join(d, "git")
        if os.access(candidate, os.X_OK):
            return candidate
    raise InvalidArgument("git is not installed on the server", field="action")


def _ok(result, what: str) -> str:
    if result.timed_out:
        raise GitFailed(f"git {what} did not finish in time")
    if result.exit_code != 0:
        message = (result.stderr.text() or result.stdout.text()).strip()[-2000:]
        raise GitFailed(f"git {what} failed: {message or 'exit code ' + str(result.exit_code)}")
    return result.stdout.text()


def require_repository(root: CodeRoot) -> None:
    top = _ok(run_git(root, ["rev-parse", "--show-toplevel"]), "rev-parse").strip()
    if os.path.realpath(top) != root.path:
        # A root inside a larger repository would let `add -A` or a checkout touch files outside it.
        raise InvalidArgument("the code root is not the top of a git repository", field="code_root")


def _rev(root: CodeRoot, value, field: str = "rev") -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{field} must be a revision like HEAD~1 or a branch name", field=field)
    sides = re.split(r"\.\.\.?", value)
    if len(sides) > 2 or not any(sides):
        raise InvalidArgument(f"{field} is not a revision or a range A..B", field=field)
    for side in sides:
        if side == "":
            continue
        if side.startswith("-") or not _REV.fullmatch(side):
            raise InvalidArgument(f"{field} {side[:60]!r} is not a revision (options are refused)", field=field)
        check = run_git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", side + "^{commit}"])
        if check.exit_code != 0:
            raise InvalidArgument(f"{field} {side!r} does not name a commit in this repository", field=field)
    return value


def _paths(root: CodeRoot, value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PATHS:
        raise InvalidArgument(f"paths must be a list of at most {MAX_PATHS} paths", field="paths")
    out = []
    for p in value:
        rel = root.relative(p)  # containment, .git refused, links resolved and checked
        out.append(rel or ".")
    return out


def status(root: CodeRoot) -> dict:
    text = _ok(run_git(root, ["status", "--porcelain=v1", "--branch", "-z", "--untracked-files=normal"]), "status")
    records = text.split("\0")
    branch_line = records[0][3:] if records and records[0].startswith("## ") else ""
    entries = []
    i = 1
    while i < len(records):
        rec = records[i]
        i += 1
        if len(rec) < 4:
            continue
        entry = {"index": rec[0], "worktree": rec[1], "path": rec[3:]}
        if rec[0] in "RC":
            entry["from"] = records[i] if i < len(records) else None
            i += 1
        entries.append(entry)
    return {"branch": branch_line, "entries": entries, "clean": not entries}


def diff(root: CodeRoot, *, rev=None, staged: bool = False, paths=None) -> dict:
    args = ["diff", "--no-ext-diff", "--no-textconv", "--no-color"]
    if staged:
        args.append("--cached")
    if rev is not None:
        args.append(_rev(root, rev))
    args += ["--", *_paths(root, paths)]
    result = run_git(root, args)
    text = _ok(result, "diff")
    return {"diff": text, "truncated": result.stdout.truncated}


def log(root: CodeRoot, *, rev=None, paths=None, limit=None) -> dict:
    n = 20 if limit is None else limit
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_LOG:
        raise InvalidArgument(f"limit must be from 1 to {MAX_LOG}", field="limit")
    args = ["log", "--no-color", "--no-ext-diff", f"--max-count={n}", "--format=%H%x1f%an%x1f%aI%x1f%s%x1e"]
    if rev is not None:
        args.append(_rev(root, rev))
    args += ["--", *_paths(root, paths)]
    text = _ok(run_git(root, args), "log")
    commits = []
    for rec in text.split("\x1e"):
        rec = rec.strip("\n")
        if rec:
            sha, author, date, subject = (rec.split("\x1f") + ["", "", "", ""])[:4]
            commits.append({"sha": sha, "author": author, "date": date, "subject": subject})
    return {"commits": commits}


def branches(root: CodeRoot) -> dict:
    text = _ok(run_git(root, ["branch", "--list", "--no-color", "--format=%(HEAD)%00%(refname:short)"]), "branch")
    current, names = None, []
    for line in text.splitlines():
        head, _, name = line.partition("\0")
        names.append(name)
        if head == "*":
            current = name
    return {"current": current, "branches": names}


def _branch_name(root: CodeRoot, name) -> str:
    if not isinstance(name, str) or not name or name.startswith("-") or not _REV.fullmatch(name):
        raise InvalidArgument("name must be a branch name (options are refused)", field="name")
    check = run_git(root, ["check-ref-format", "--branch", name])
    if check.exit_code != 0:
        raise InvalidArgument(f"{name!r} is not a valid branch name", field="name")
    return name


def switch_branch(root: CodeRoot, name, *, create: bool = False, start=None) -> dict:
    name = _branch_name(root, name)
    args = ["switch", "--no-guess"]
    if create:
        args += ["--create", name]
        if start is not None:
            args.append(_rev(root, start, "start"))
    else:
        args.append(name)
    _ok(run_git(root, args), "switch")
    return branches(root)


def commit(root: CodeRoot, *, message, paths=None, all_changes: bool = False, author_name: str,
           author_email: str) -> dict:
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE or "\x00" in message:
        raise InvalidArgument(f"message must be a non-empty text of at most {MAX_MESSAGE} characters",
                              field="message")
    rels = _paths(root, paths)
    if not rels and not all_changes:
        raise InvalidArgument("name the paths to commit, or set all to true", field="paths")
    require_repository(root)
    add = ["add", "--all", "--", *(rels or ["."])]
    _ok(run_git(root, add), "add")
    ident = {"GIT_AUTHOR_NAME": author_name, "GIT_AUTHOR_EMAIL": author_email,
             "GIT_COMMITTER_NAME": author_name, "GIT_COMMITTER_EMAIL": author_email}
    # The message goes through stdin: it can never be read as an option.
    _ok(run_git(root, ["commit", "--no-verify", "--file=-"], stdin_data=message.encode("utf-8"), extra_env=ident),
        "commit")
    sha = _ok(run_git(root, ["rev-parse", "HEAD"]), "rev-parse").strip()
    return {"sha": sha, "subject": message.strip().splitlines()[0][:200], **status(root)}


def push(root: CodeRoot, *, remote=None, branch=None) -> dict:
    require_repository(root)
    remotes = _ok(run_git(root, ["remote"]), "remote").split()
    remote = remote or "origin"
    if not isinstance(remote, str) or not _REMOTE.fullmatch(remote) or remote not in remotes:
        # Only remotes already configured: an agent cannot push the code to a URL of its choosing.
        raise InvalidArgument(f"remote must be one of the configured remotes: {', '.join(remotes) or 'none'}",
                              field="remote")
    if branch is None:
        branch = branches(root)["current"]
        if not branch:
            raise InvalidArgument("HEAD is detached; name the branch to push", field="branch")
    branch = _branch_name(root, branch)
    result = run_git(root, ["push", "--porcelain", "--no-verify", remote, f"refs/heads/{branch}:refs/heads/{branch}"],
                     timeout_s=PUSH_TIMEOUT_S, credentials=True)
    text = _ok(result, "push")
    return {"remote": remote, "branch": branch, "output": text[-4000:]}
