"""Git tools: status, diff, log, branch, commit, push; argv only, hooks and filters off, user values never options."""

from __future__ import annotations

import os
import re

from plandesk.connector import process, sandbox
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
    # Repository config can name programs (hooks, fsmonitor, filters, textconv, external diff, pagers, editors,
    # credential helpers, ssh commands); the command line wins over every config file, so none of them run.
    pairs = [
        "core.hooksPath=/dev/null",
        "core.fsmonitor=false",
        "core.untrackedCache=false",
        "core.pager=cat",
        "core.editor=true",
        "sequence.editor=true",
        "diff.external=",
        "diff.noprefix=false",
        "core.sshCommand=ssh",
        "core.askPass=",
        "credential.helper=",
        "core.gitProxy=",
        "protocol.ext.allow=never",
        "submodule.recurse=false",
        "gc.auto=0",
        "maintenance.auto=false",
        "commit.gpgSign=false",
        "tag.gpgSign=false",
        "push.gpgSign=false",
        "gpg.program=false",
        "core.alternateRefsCommand=",
        "merge.renormalize=false",
        "core.attributesFile=/dev/null",
        f"safe.directory={root}",
        "core.quotePath=false",
        "color.ui=false",
        "core.symlinks=true",
        "status.showUntrackedFiles=normal",
    ]
    args: list[str] = []
    for pair in pairs:
        args += ["-c", pair]
    return args


# Filters and diff or merge drivers are named by .gitattributes, which any member can write: every driver the
# repository's configuration defines (included files too, as git itself reads them) is switched off by name.
_DRIVER_KEY = re.compile(
    r"(filter|diff|merge)\.(.{1,200})\.(clean|smudge|process|command|textconv|driver)",
    re.IGNORECASE | re.DOTALL,
)


def _driver_overrides(root: CodeRoot, sandboxed: bool) -> dict[str, str]:
    argv = [
        _git_binary(),
        "--no-pager",
        *_hardening(root.path),
        "-C",
        root.path,
        "config",
        "--null",
        "--list",
        "--name-only",
    ]
    policy = sandbox.Policy(
        root=root.path,
        cwd=root.path,
        env=_env(credentials=False),
        limits=sandbox.Limits.from_environment(cpu_s=GIT_TIMEOUT_S),
    )
    with sandbox.command(argv, policy, sandboxed=sandboxed) as (full, env):
        listed = process.run(full, cwd=root.path, env=env, timeout_s=GIT_TIMEOUT_S, cap=256 * 1024)
    pairs: list[tuple[str, str]] = []
    for key in listed.stdout.text().split("\0"):
        m = _DRIVER_KEY.fullmatch(key.strip())
        if m:
            kind, name = m.group(1).lower(), m.group(2)
            pairs.append((f"{kind}.{name}.{m.group(3).lower()}", ""))
            if kind == "filter":
                pairs.append((f"filter.{name}.required", "false"))
    # GIT_CONFIG_KEY_n takes any name as it is ('=' and all), where -c would split it.
    env = {"GIT_CONFIG_COUNT": str(len(pairs))}
    for i, (k, v) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = k, v
    return env


def _env(*, credentials: bool) -> dict[str, str]:
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_LITERAL_PATHSPECS": "1",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_EDITOR": "true",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "GIT_EXTERNAL_DIFF": "",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
    }
    if credentials and os.environ.get("SSH_AUTH_SOCK"):
        # A push may use the server account's ssh agent (it signs, it never hands out the key); nothing else.
        env["SSH_AUTH_SOCK"] = os.environ["SSH_AUTH_SOCK"]
    return env


# Operations that write .git (commit, add, switch, push updating refs); everything else sees it read-only.
WRITES_GIT = ("add", "commit", "switch", "push")


def run_git(
    root: CodeRoot,
    args: list[str],
    *,
    timeout_s: float = GIT_TIMEOUT_S,
    stdin_data: bytes | None = None,
    credentials: bool = False,
    extra_env: dict | None = None,
    cap: int = MAX_DIFF_BYTES,
    network: bool = False,
    writable_paths: tuple[str, ...] = (),
):
    sandboxed = sandbox.status()["available"]
    env = {**_env(credentials=credentials), **(extra_env or {}), **_driver_overrides(root, sandboxed)}
    writes = bool(args) and args[0] in WRITES_GIT
    binds = writable_paths
    if credentials and env.get("SSH_AUTH_SOCK") and os.path.exists(env["SSH_AUTH_SOCK"]):
        binds = (*binds, env["SSH_AUTH_SOCK"])
    policy = sandbox.Policy(
        root=root.path,
        cwd=root.path,
        write_root=writes,
        write_git=writes,
        network=network,
        env=env,
        writable_paths=binds,
        limits=sandbox.Limits.from_environment(cpu_s=int(timeout_s)),
    )
    argv = [_git_binary(), "--no-pager", *_hardening(root.path), "-C", root.path, *args]
    # git is hardened by its configuration everywhere; the sandbox is used wherever the machine has one.
    with sandbox.command(argv, policy, sandboxed=sandboxed) as (full, run_env):
        return process.run(
            full, cwd=root.path, env=run_env, timeout_s=timeout_s, cap=cap, stdin_data=stdin_data
        )


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
            raise InvalidArgument(
                f"{field} {side[:60]!r} is not a revision (options are refused)", field=field
            )
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
    text = _ok(
        run_git(root, ["status", "--porcelain=v1", "--branch", "-z", "--untracked-files=normal"]), "status"
    )
    records = text.split("\0")
    branch_line = records[0][3:] if records and records[0].startswith("## ") else ""
    entries = []
    i = 1
    while i < len(records):
        rec = records[i]
        i += 1
        if len(rec) < 4:
            continue
        entry: dict[str, str | None] = {"index": rec[0], "worktree": rec[1], "path": rec[3:]}
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
    text = _ok(
        run_git(root, ["branch", "--list", "--no-color", "--format=%(HEAD)%00%(refname:short)"]), "branch"
    )
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


def commit(
    root: CodeRoot, *, message, paths=None, all_changes: bool = False, author_name: str, author_email: str
) -> dict:
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE or "\x00" in message:
        raise InvalidArgument(
            f"message must be a non-empty text of at most {MAX_MESSAGE} characters", field="message"
        )
    rels = _paths(root, paths)
    if not rels and not all_changes:
        raise InvalidArgument("name the paths to commit, or set all to true", field="paths")
    require_repository(root)
    add = ["add", "--all", "--", *(rels or ["."])]
    _ok(run_git(root, add), "add")
    ident = {
        "GIT_AUTHOR_NAME": author_name,
        "GIT_AUTHOR_EMAIL": author_email,
        "GIT_COMMITTER_NAME": author_name,
        "GIT_COMMITTER_EMAIL": author_email,
    }
    # The message goes through stdin: it can never be read as an option.
    _ok(
        run_git(
            root, ["commit", "--no-verify", "--file=-"], stdin_data=message.encode("utf-8"), extra_env=ident
        ),
        "commit",
    )
    sha = _ok(run_git(root, ["rev-parse", "HEAD"]), "rev-parse").strip()
    return {"sha": sha, "subject": message.strip().splitlines()[0][:200], **status(root)}


def _configured_remote(root: CodeRoot, remote) -> str:
    require_repository(root)
    remotes = _ok(run_git(root, ["remote"]), "remote").split()
    remote = remote or "origin"
    if not isinstance(remote, str) or not _REMOTE.fullmatch(remote) or remote not in remotes:
        # Only remotes already configured: an agent cannot push the code to a URL of its choosing.
        raise InvalidArgument(
            f"remote must be one of the configured remotes: {', '.join(remotes) or 'none'}",
            field="remote",
            available=remotes,
        )
    return remote


def push(root: CodeRoot, *, remote=None, branch=None, commit_sha: str | None = None) -> dict:
    remote = _configured_remote(root, remote)
    if branch is None:
        branch = branches(root)["current"]
        if not branch:
            raise InvalidArgument("HEAD is detached; name the branch to push", field="branch")
    branch = _branch_name(root, branch)
    target = commit_sha or head_of(root, branch)
    url = _ok(run_git(root, ["remote", "get-url", "--push", remote]), "remote").strip()
    local = _local_remote(url)
    result = run_git(
        root,
        ["push", "--porcelain", "--no-verify", remote, f"{target}:refs/heads/{branch}"],
        timeout_s=PUSH_TIMEOUT_S,
        credentials=True,
        network=local is None,
        writable_paths=(local,) if local else (),
    )
    text = _ok(result, "push")
    return {"remote": remote, "branch": branch, "commit": target, "output": text[-4000:]}


def head_of(root: CodeRoot, branch: str) -> str:
    """The commit a branch points at now: what a push of it would send."""
    out = run_git(
        root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"refs/heads/{branch}^{{commit}}"]
    )
    if out.exit_code != 0:
        raise InvalidArgument(f"branch {branch!r} does not exist", field="branch")
    return out.stdout.text().strip()


def push_target(root: CodeRoot, *, remote=None, branch=None) -> str:
    """The commit a push with these arguments would send (what its approval covers); refuses an unknown remote."""
    _configured_remote(root, remote)
    if branch is None:
        branch = branches(root)["current"]
        if not branch:
            raise InvalidArgument("HEAD is detached; name the branch to push", field="branch")
    return head_of(root, _branch_name(root, branch))


def _local_remote(url: str) -> str | None:
    """A remote on this machine (a path or file:// URL) must be writable inside the sandbox; others need network."""
    path = url[len("file://") :] if url.startswith("file://") else url if url.startswith("/") else None
    if path is None:
        return None
    real = os.path.realpath(path)
    return real if os.path.isdir(real) else None
