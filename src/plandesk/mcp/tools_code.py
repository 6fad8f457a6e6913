"""MCP tools of the code connector (toolset "code"): thin wrappers over connector.calls.perform."""

from __future__ import annotations

import time
import weakref
from typing import Any

from plandesk.connector import calls
from plandesk.core import permissions
from plandesk.core.errors import PendingApproval
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import Caller, ToolCall, ToolGroup

TOOLS = ToolGroup()
# Per workspace (the caller carries its own): two apps in one process never share an answer.
_cache: weakref.WeakKeyDictionary[Any, dict[tuple, tuple[float, frozenset[str]]]] = (
    weakref.WeakKeyDictionary()
)
CACHE_SECONDS = 1.0  # a permission change shows in tool lists within a second; every call is checked live


def _allowed(caller: Caller) -> frozenset[str]:
    """The connector operations this caller holds, from its own workspace's permission matrix."""
    db = caller.db
    if db is None:
        return frozenset()
    actor = caller.actor
    cache = _cache.setdefault(db, {})
    key = (actor.role, actor.token_id, actor.operations, caller.read_only, tuple(actor.toolsets))
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    ops = frozenset(permissions.allowed_operations(db, actor))
    if caller.read_only:
        ops = ops & frozenset(permissions.READ_OPERATIONS)
    if len(cache) > 2048:
        cache.clear()
    cache[key] = (time.monotonic(), ops)
    return ops


def _listed(tool: str):
    def listed(caller: Caller) -> bool:
        return bool(_allowed(caller) & set(calls.TOOL_OPERATIONS[tool]))

    return listed


def _link_base(settings: Any) -> str:
    if getattr(settings, "base_url", None):
        return settings.base_url.rstrip("/")
    host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
    return f"http://{host}:{settings.port}"


def _perform(tool: str):
    def handler(call: ToolCall, a: dict) -> dict:
        base = _link_base(call.settings)
        ctx = calls.Context(data_dir=call.settings.data_dir, link_base=base)
        try:
            return calls.perform(call.db, call.actor, tool, a, ctx)
        except PendingApproval as exc:
            # Not a failure: the call waits for a person. A plain result keeps the id machine-readable.
            url = base + exc.extra.get("link", "")
            return {
                "status": "pending_approval",
                "approval_id": exc.extra.get("approval_id"),
                "approval_url": url,
                "operation": exc.extra.get("operation"),
                "message": exc.message.replace(exc.extra.get("link", "") + " ", url + " ", 1),
            }

    return handler


def _code_tool(
    name: str,
    *,
    description: str,
    params: dict,
    required: tuple[str, ...] | list[str] = (),
    read_only: bool = False,
    destructive: bool = False,
) -> None:
    """A code connector tool: toolset "code", listed by the operations the caller holds, checked and
    performed by connector.calls (which also words its refusals)."""
    TOOLS.tool(
        name,
        toolset="code",
        read_only=read_only,
        destructive=destructive,
        core_checked=True,
        listed=_listed(name),
        description=description,
        params=params,
        required=required,
    )(_perform(name))


_PROJECT = s.uuid("May be left out when the token is bound to one project.")
_APPROVAL = s.uuid("After pending_approval, once a person approved: repeat the same arguments with it.")
_PATH = s.text("Relative to the code root.", max_len=4096)
_COMMON = {"project_id": _PROJECT, "approval_id": _APPROVAL}


_code_tool(
    "code_search",
    read_only=True,
    description="Find files by glob (glob: '**/*.py') or grep by regular expression (query) with context "
    "lines, in the project's code root. Honours .gitignore unless include_ignored; symlinks "
    "are not followed; results are capped (truncated tells you when). targets: true lists the "
    "recipes and databases (names, kinds) code_build, code_deploy, code_db take. Needs code.search.",
    params={
        **_COMMON,
        "query": s.text(
            "A regular expression to grep for (ripgrep syntax: like Python's, "
            "linear-time, no look-around or backreferences).",
            max_len=1000,
        ),
        "glob": s.text("Files to consider: '*.py' matches names, 'src/**/*.ts' matches paths.", max_len=1000),
        "path": _PATH,
        "context_lines": s.integer("Lines before and after each match.", minimum=0, maximum=10),
        "case_insensitive": s.boolean("Ignore case."),
        "literal": s.boolean("Treat query as plain text, not a regular expression."),
        "max_results": s.integer("Cap on matches or files.", minimum=1, maximum=2000),
        "include_ignored": s.boolean("Also search files .gitignore excludes."),
        "targets": s.boolean("List recipes and databases instead of searching."),
    },
)


_code_tool(
    "code_file",
    destructive=True,
    description="read (start_line/end_line, 1-based) needs code.read; write (replace or create), create "
    "(must not exist) and str_replace (old_str must match exactly once) need code.write and "
    "answer with a unified diff of the change. Paths stay inside the code root: links that "
    "leave it, .git and hard-linked files are refused.",
    params={
        **_COMMON,
        "action": s.choice(calls.FILE_ACTIONS, "What to do."),
        "path": _PATH,
        "start_line": s.integer("First line to read.", minimum=1),
        "end_line": s.integer("Last line to read.", minimum=1),
        "content": s.text("The whole new content (write, create).", max_len=2 * 1024 * 1024),
        "old_str": s.text("Exact text to replace; copy it from a read.", max_len=2 * 1024 * 1024),
        "new_str": s.text("Replacement text.", max_len=2 * 1024 * 1024),
    },
    required=["action", "path"],
)


_code_tool(
    "code_git",
    destructive=True,
    description="status, diff (rev, staged, paths), log (rev, paths, limit) and branch without name need "
    "git.read; branch with name (create: true to make it; rev: where to start) and commit "
    "(message, paths or all) need git.commit; push (remote among the configured ones, branch) "
    "needs git.push and usually a person's approval. Hooks never run; options are refused "
    "where a ref or path belongs.",
    params={
        **_COMMON,
        "action": s.choice(calls.GIT_ACTIONS, "Which git operation."),
        "rev": s.text("A revision or range: HEAD~2, main, main..feature.", max_len=200),
        "staged": s.boolean("diff: the index instead of the working tree."),
        "paths": s.array(_PATH, "Limit to these paths (diff, log, commit).", max_items=200),
        "limit": s.integer("log: how many commits.", minimum=1, maximum=200),
        "name": s.text("branch: the branch to switch to (or create).", max_len=200),
        "create": s.boolean("branch: create it."),
        "message": s.text("commit: the message.", max_len=10000),
        "all": s.boolean("commit: every change in the working tree."),
        "remote": s.text("push: a configured remote (default origin).", max_len=100),
        "branch": s.text("push: the branch (default the current one).", max_len=200),
    },
    required=["action"],
)


_code_tool(
    "code_build",
    description="Run the project's named build or test recipes (an admin defines them: argv and timeout), "
    "in order, stopping at the first failure. Each result has the exit code, duration, the tail "
    "of the output and a link to the full log. Needs build.",
    params={
        **_COMMON,
        "recipes": s.texts("Recipes to run.", "A recipe name.", max_len=64, max_items=20),
        "recipe": s.text("One recipe name (instead of recipes).", max_len=64),
    },
)


_code_tool(
    "code_deploy",
    destructive=True,
    description="Run a named deploy recipe. Needs deploy and, by default, a person's approval: the first "
    "call answers pending_approval with an approval_id and a link; once approved, call again "
    "with the same arguments plus approval_id.",
    params={**_COMMON, "recipe": s.text("The deploy recipe's name.", max_len=64)},
    required=["recipe"],
)


_code_tool(
    "code_db",
    destructive=True,
    description="One SQL statement against a configured database. Reads (db.read) run in a read-only "
    "transaction on the read URL with a time limit and a row cap; write: true (db.write, "
    "usually approved by a person) runs on the write URL. Several statements in one call are "
    "refused.",
    params={
        **_COMMON,
        "database": s.text("The database's name from the project's settings.", max_len=64),
        "sql": s.text("Exactly one statement.", max_len=100_000),
        "write": s.boolean("A statement that changes data."),
        "max_rows": s.integer("Row cap.", minimum=1, maximum=10_000),
        "timeout_ms": s.integer("Statement time limit.", minimum=100, maximum=60_000),
    },
    required=["database", "sql"],
)


_code_tool(
    "code_exec",
    destructive=True,
    description="Run one program from the project's exec allowlist with an argv list (program first). "
    "There is no shell: pipes, ;, $() and globs are plain characters. Inline code (-c/-e), "
    "wrappers that run other programs, and paths outside the code root are refused. No network "
    "unless the project allows it; scrubbed environment; timeout and output cap. Needs exec.",
    params={
        **_COMMON,
        "argv": s.texts("Program and arguments.", "One argument.", max_len=8192, max_items=256),
        "cwd": s.text("Working directory inside the code root.", max_len=4096),
        "timeout_s": s.integer("Seconds before the process group is killed.", minimum=1, maximum=600),
    },
    required=["argv"],
)
