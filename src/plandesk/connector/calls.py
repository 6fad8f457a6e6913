"""Each code-connector call end to end: arguments checked, authorize, approval, run, and one audit entry."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plandesk.connector import database, files, git, recipes, search, shell
from plandesk.connector.approvals import args_digest, summary_of
from plandesk.connector.paths import CodeRoot
from plandesk.core import approvals, audit, fields, sandbox_mode, users
from plandesk.core.actors import Actor
from plandesk.core.errors import Forbidden, InvalidArgument, NotFound, PlanDeskError, RateLimited
from plandesk.core.permissions import authorize

log = logging.getLogger("plandesk.connector")

COMMON = ("project_id", "approval_id")
# Builds, deploys and programs hold a thread and a CPU each; a few at a time per server process.
EXPENSIVE = ("code_build", "code_deploy", "code_exec")
RUN_SLOTS = threading.BoundedSemaphore(4)
FILE_ACTIONS = ("read", "write", "create", "str_replace")
GIT_ACTIONS = ("status", "diff", "log", "branch", "commit", "push")


@dataclass(frozen=True)
class Context:
    data_dir: Path
    link_base: str = ""  # the server's origin, for absolute links in results


@dataclass(frozen=True)
class Tool:
    fields: tuple[str, ...]
    operation: Callable[[dict], str]
    run: Callable[[Actor, dict, dict, str, Context], dict]
    # Everything that can be refused without running, checked before a person is asked to approve.
    check: Callable[[dict, dict], None] | None = None


def _root(config: dict) -> CodeRoot:
    return CodeRoot(config.get("code_root") or "")


def _flag(args: dict, name: str) -> bool:
    return bool(fields.flag(name, args.get(name)))


def _search(actor, config, args, pid, ctx) -> dict:
    if _flag(args, "targets"):
        return {"mode": "targets", **recipes.catalog(config)}
    root = _root(config)
    common = {
        "path": args.get("path"),
        "max_results": args.get("max_results"),
        "include_ignored": _flag(args, "include_ignored"),
    }
    if args.get("query") is not None:
        return {
            "mode": "grep",
            **search.grep(
                root,
                args["query"],
                glob=args.get("glob"),
                context_lines=args.get("context_lines"),
                case_insensitive=_flag(args, "case_insensitive"),
                literal=_flag(args, "literal"),
                **common,
            ),
        }
    if args.get("glob") is not None:
        return {"mode": "files", **search.find_files(root, args["glob"], **common)}
    raise InvalidArgument(
        "give query (a regex to grep for), glob (to find files by name) or targets: true (to "
        "list the project's recipes and databases)",
        field="query",
    )


def _file_op(args: dict) -> str:
    action = fields.choice("action", args.get("action"), FILE_ACTIONS, required=True)
    return "code.read" if action == "read" else "code.write"


def _file(actor, config, args, pid, ctx) -> dict:
    root, action, path = _root(config), args["action"], args.get("path")
    if path is None:
        raise InvalidArgument("path is required", field="path")
    if action == "read":
        return files.read_file(root, path, start_line=args.get("start_line"), end_line=args.get("end_line"))
    if action == "str_replace":
        return files.str_replace(root, path, args.get("old_str"), args.get("new_str"))
    return files.write_file(root, path, args.get("content"), create_only=action == "create")


def _check_file(config: dict, args: dict) -> None:
    if args.get("path") is None:
        raise InvalidArgument("path is required", field="path")
    _root(config).parts_of(
        args["path"]
    )  # spelling and escapes (.., absolute paths elsewhere); links at run time
    if args["action"] in ("write", "create"):
        files.check_content(args.get("content"))
    elif args["action"] == "str_replace":
        files.check_content(args.get("old_str"), "old_str")
        files.check_content(args.get("new_str"), "new_str")


def _git_op(args: dict) -> str:
    action = fields.choice("action", args.get("action"), GIT_ACTIONS, required=True)
    if action in ("status", "diff", "log") or (action == "branch" and args.get("name") is None):
        return "git.read"
    return "git.push" if action == "push" else "git.commit"


def _git(db):
    def run(actor, config, args, pid, ctx) -> dict:
        root, action = _root(config), args["action"]
        if action == "status":
            return git.status(root)
        if action == "diff":
            return git.diff(root, rev=args.get("rev"), staged=_flag(args, "staged"), paths=args.get("paths"))
        if action == "log":
            return git.log(root, rev=args.get("rev"), paths=args.get("paths"), limit=args.get("limit"))
        if action == "branch":
            if args.get("name") is None:
                return git.branches(root)
            return git.switch_branch(root, args["name"], create=_flag(args, "create"), start=args.get("rev"))
        if action == "commit":
            name, email = users.commit_author(db, actor)
            return git.commit(
                root,
                message=args.get("message"),
                paths=args.get("paths"),
                all_changes=_flag(args, "all"),
                author_name=name,
                author_email=email,
            )
        return git.push(
            root, remote=args.get("remote"), branch=args.get("branch"), commit_sha=args.get("_commit")
        )

    return run


def _chosen_recipes(config: dict, args: dict) -> list[dict]:
    names = args.get("recipes")
    if names is None and args.get("recipe") is not None:
        names = [args["recipe"]]
    if not isinstance(names, list) or not names or len(names) > 20:
        raise InvalidArgument("recipes must list 1 to 20 build or test recipe names", field="recipes")
    return [recipes.find_recipe(config, n, ("build", "test")) for n in names]


def _check_build(config: dict, args: dict) -> None:
    _chosen_recipes(config, args)
    _root(config)


def _check_deploy(config: dict, args: dict) -> None:
    recipes.find_recipe(config, args.get("recipe"), ("deploy",))
    _root(config)


def _check_db(config: dict, args: dict) -> None:
    database.check_statement(
        database.find_database(config, args.get("database")), args.get("sql"), write=_flag(args, "write")
    )


def _check_exec(config: dict, args: dict) -> None:
    shell.check(_root(config), args.get("argv"), config.get("exec_allowlist", []), args.get("cwd"))


def _build(db):
    def run(actor, config, args, pid, ctx) -> dict:
        chosen = _chosen_recipes(config, args)
        root, results = _root(config), []
        unsandboxed_ok = sandbox_mode.unsandboxed_allowed(db)
        for recipe in chosen:
            result = recipes.run_recipe(
                root,
                recipe,
                data_dir=ctx.data_dir,
                project_id=pid,
                link_base=ctx.link_base,
                unsandboxed_ok=unsandboxed_ok,
            )
            results.append(result)
            if not result["ok"]:
                break  # like make: later modules usually depend on earlier ones
        skipped = [r["name"] for r in chosen[len(results) :]]
        return {"ok": all(r["ok"] for r in results) and not skipped, "results": results, "skipped": skipped}

    return run


def _deploy(db):
    def run(actor, config, args, pid, ctx) -> dict:
        recipe = recipes.find_recipe(config, args.get("recipe"), ("deploy",))
        return recipes.run_recipe(
            _root(config),
            recipe,
            data_dir=ctx.data_dir,
            project_id=pid,
            link_base=ctx.link_base,
            unsandboxed_ok=sandbox_mode.unsandboxed_allowed(db),
        )

    return run


def _db(db):
    def run(actor, config, args, pid, ctx) -> dict:
        target = database.find_database(config, args.get("database"))
        # Plan Desk's own database is refused by identity (file inode, PostgreSQL cluster and oid), not URL text.
        return database.run_statement(
            target,
            args.get("sql"),
            write=_flag(args, "write"),
            max_rows=args.get("max_rows"),
            timeout_ms=args.get("timeout_ms"),
            own=database.workspace_identity(db),
        )

    return run


def _exec(db):
    def run(actor, config, args, pid, ctx) -> dict:
        return shell.run_exec(
            _root(config),
            args.get("argv"),
            allowlist=config.get("exec_allowlist", []),
            cwd=args.get("cwd"),
            timeout_s=args.get("timeout_s"),
            network=bool(config.get("exec_network")),
            unsandboxed_ok=sandbox_mode.unsandboxed_allowed(db),
        )

    return run


def tools_for(db) -> dict[str, Tool]:
    return {
        "code_search": Tool(
            (
                "query",
                "glob",
                "path",
                "context_lines",
                "case_insensitive",
                "literal",
                "max_results",
                "include_ignored",
                "targets",
            ),
            lambda a: "code.search",
            _search,
        ),
        "code_file": Tool(
            ("action", "path", "start_line", "end_line", "content", "old_str", "new_str"),
            _file_op,
            _file,
            _check_file,
        ),
        "code_git": Tool(
            (
                "action",
                "rev",
                "staged",
                "paths",
                "limit",
                "name",
                "create",
                "message",
                "all",
                "remote",
                "branch",
            ),
            _git_op,
            _git(db),
        ),  # a push's remote is checked by push_target
        "code_build": Tool(("recipes", "recipe"), lambda a: "build", _build(db), _check_build),
        "code_deploy": Tool(("recipe",), lambda a: "deploy", _deploy(db), _check_deploy),
        "code_db": Tool(
            ("database", "sql", "write", "max_rows", "timeout_ms"),
            lambda a: "db.write" if _flag(a, "write") else "db.read",
            _db(db),
            _check_db,
        ),
        "code_exec": Tool(("argv", "cwd", "timeout_s"), lambda a: "exec", _exec(db), _check_exec),
    }


TOOL_NAMES = ("code_search", "code_file", "code_git", "code_build", "code_deploy", "code_db", "code_exec")
# The operations a tool can need; a tool is listed when the caller holds at least one of them.
TOOL_OPERATIONS = {
    "code_search": ("code.search",),
    "code_file": ("code.read", "code.write"),
    "code_git": ("git.read", "git.commit", "git.push"),
    "code_build": ("build",),
    "code_deploy": ("deploy",),
    "code_db": ("db.read", "db.write"),
    "code_exec": ("exec",),
}


def _project_of(actor: Actor, args: dict) -> str:
    pid = args.get("project_id")
    if pid is None and actor.project_ids is not None and len(actor.project_ids) == 1:
        pid = next(iter(actor.project_ids))  # a token bound to one project needs no id
    return fields.ident("project_id", pid)


def perform(db, actor: Actor, tool: str, args, ctx: Context) -> dict:
    """Run one connector tool for `actor`; every outcome, refusals included, is audited."""
    started = time.monotonic()
    specs = tools_for(db)
    if tool not in specs:
        raise NotFound("tool", tool)
    digest = args_digest(args) if isinstance(args, dict) else "0" * 64
    spent: str | None = None  # an approval consumed by this call, until the call succeeds
    project_for_audit: str | None = None
    operation: str | None = None
    outcome, extra = "ok", {}
    try:
        if not isinstance(args, dict):
            raise InvalidArgument("arguments must be an object", field="arguments")
        spec = specs[tool]
        fields.reject_unknown(args, COMMON + spec.fields)
        project_id = _project_of(actor, args)
        operation = spec.operation(args)
        decision = authorize(db, actor, project_id, operation)
        project_for_audit = project_id
        decision.require()
        if spec.check is not None:
            spec.check(decision.config, args)
        covers = None
        if tool == "code_git" and args.get("action") == "push":
            # A push approval covers one commit: the branch's head now. The push sends exactly that commit.
            covers = git.push_target(
                _root(decision.config), remote=args.get("remote"), branch=args.get("branch")
            )
            args = {**args, "_commit": covers}
        if decision.needs_approval:
            bound = args_digest(args)
            if args.get("approval_id") is None:
                approvals.request_approval(
                    db,
                    actor,
                    project_id=project_id,
                    operation=operation,
                    tool=tool,
                    args_digest=bound,
                    summary=summary_of(tool, operation, args),
                    covers=covers,
                )
            approvals.consume_approval(
                db,
                actor,
                args["approval_id"],
                project_id=project_id,
                operation=operation,
                tool=tool,
                args_digest=bound,
                covers=covers,
            )
            extra["approval_id"] = spent = args["approval_id"]
        if tool in EXPENSIVE:
            if not RUN_SLOTS.acquire(blocking=False):
                raise RateLimited(
                    "four builds, deploys or programs are already running on this server; try again "
                    "in a moment",
                    retry_after=5,
                )
            try:
                result = spec.run(actor, decision.config, args, project_id, ctx)
            finally:
                RUN_SLOTS.release()
        else:
            result = spec.run(actor, decision.config, args, project_id, ctx)
        for key in ("exit_code", "timed_out", "ok"):
            if key in result:
                extra[key] = result[key]
        if result.get("ok") is not False:
            spent = None
        return result
    except PlanDeskError as exc:
        outcome = exc.code
        if isinstance(exc, Forbidden) and exc.extra.get("permission"):
            extra["permission"] = exc.extra["permission"]
        if exc.code == "pending_approval":
            extra["approval_id"] = exc.extra.get("approval_id")
        raise
    except OSError as exc:
        outcome = "invalid_argument"
        if isinstance(exc, FileNotFoundError):
            raise NotFound("path", exc.filename if isinstance(exc.filename, str) else None) from None
        raise InvalidArgument(f"the file system refused: {exc.strerror or exc}", field="path") from None
    except Exception:
        outcome = "internal"
        raise
    finally:
        if spent is not None:
            # The approval is spent either way (no replay), but it was not used by a successful call.
            approvals.mark_failed(db, actor, spent)
        _audit(db, actor, tool, project_for_audit, operation, digest, outcome, started, extra)


def _audit(
    db, actor: Actor, tool: str, project_id, operation, digest: str, outcome: str, started: float, extra: dict
) -> None:
    detail = {
        "tool": tool,
        "operation": operation,
        "args_sha256": digest,
        "outcome": outcome,
        "duration_ms": int((time.monotonic() - started) * 1000),
        "token_id": actor.token_id,
        **extra,
    }
    try:
        with db.write() as tx:
            audit.record(
                tx,
                actor,
                f"connector.{tool}",
                project_id=project_id,
                target_type="tool",
                target_id=tool,
                detail=detail,
            )
    except Exception:  # never let the audit write hide the call's own answer; the log keeps the trace
        log.exception("could not record the audit entry for %s", tool)


def read_recipe_log(db, actor: Actor, project_id: str, log_id: str, data_dir: Path) -> str:
    """A recipe's full log, for callers who may run builds or deploys in that project."""
    decisions = [authorize(db, actor, project_id, op) for op in ("build", "deploy")]
    if not any(d.allowed for d in decisions):
        decisions[0].require()
    return recipes.read_log(data_dir, fields.ident("project_id", project_id), log_id)
