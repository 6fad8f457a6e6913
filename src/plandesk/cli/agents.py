"""plandesk connect|disconnect|token-header|context|progress-checkpoint|runner: putting agents to work."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from plandesk.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonOut,
    add_commands,
    cli_actor,
    emit_json,
    fail,
    open_as_owner,
    open_workspace,
    settings_of,
)

RepoOpt = Annotated[
    Path | None,
    typer.Option("--repo", help="The repository folder (default: found from the current folder)."),
]
PrintOpt = Annotated[bool, typer.Option("--print", help="Show what would be written; write nothing.")]


def register(app: typer.Typer) -> None:
    add_commands(app, connect, disconnect, token_header, context, progress_checkpoint, runner)


def _agents(values: list[str]) -> set[str]:
    from plandesk.agents.client_entries import AGENTS

    chosen: set[str] = set()
    for value in values:
        for name in (v.strip().lower() for v in value.split(",")):
            if name == "all":
                chosen |= set(AGENTS)
            elif name in AGENTS:
                chosen.add(name)
            elif name:
                fail(f"--agent {name!r} is not one of {', '.join(AGENTS)}, all", code=2)
    return chosen or {"claude"}


def _repo_folder(repo: Path | None) -> Path:
    """--repo, else the top of the git repository around the current folder, else the current folder."""
    if repo is not None:
        return repo.resolve()
    import subprocess

    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return Path.cwd().resolve()
    return (
        Path(top.stdout.strip()).resolve()
        if top.returncode == 0 and top.stdout.strip()
        else Path.cwd().resolve()
    )


def _default_url(settings) -> str:
    if settings.base_url:
        return settings.base_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def _server_answers(url: str) -> bool:
    import httpx2

    try:
        return httpx2.get(url.rstrip("/") + "/api/v1/health", timeout=2).status_code == 200
    except httpx2.HTTPError:
        return False


def connect(
    repo: RepoOpt = None,
    project: Annotated[
        str | None,
        typer.Option(
            help="The project: id, short id or name "
            "(default: the bound one, else the workspace's only one; "
            "asked when there are several)."
        ),
    ] = None,
    new_project: Annotated[
        str | None, typer.Option(help="Create a project with this name and bind to it.")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            help="Server URL written into the agent config "
            "(default http://127.0.0.1:3847 or PLANDESK_BASE_URL)."
        ),
    ] = None,
    agent: Annotated[
        list[str] | None, typer.Option(help="claude (default), codex, cursor, vscode or all; repeatable.")
    ] = None,
    print_only: PrintOpt = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Bind a repository to a project: a token limited to it, .mcp.json, the skill, CLAUDE.md and AGENTS.md.

    The project and the token are made in the workspace this command points at (--data-dir/--database-url),
    which must be the one the server at --url serves. Running it again changes nothing.
    """
    from plandesk.agents import binding, bound_repo, client_entries, grant
    from plandesk.cli import project_choice
    from plandesk.core.errors import PlanDeskError

    where = _repo_folder(repo)
    settings = settings_of(data_dir, database_url)
    agents = _agents(agent or [])
    try:
        binding.refuse_unsafe(where, settings.data_dir)
    except binding.BindingRefused as exc:
        fail(str(exc), code=2)
    try:
        existing = bound_repo.load(where, search_up=False)
    except bound_repo.BindingError:
        existing = None
    server_url = (url or (existing.server_url if existing else None) or _default_url(settings)).rstrip("/")
    server_url = bound_repo.origin_of(server_url)
    db = open_workspace(settings)
    actor = cli_actor(db)
    try:
        choice = project_choice.choose(
            db, actor, where, project, new_project, existing.project_id if existing else None
        )
        old = bound_repo.read_token_file(where)
        if print_only:
            keep = choice.project_id and grant.token_state(db, old, choice.project_id) == "valid"
            changes = binding.connect_changes(
                where,
                server_url=server_url,
                project_id=choice.project_id or "<new project>",
                token=old if old and keep else "<new token>",
                agents=agents,
            )
            typer.echo(
                f"Would bind {where} to project {choice.name!r}"
                f"{'' if choice.project_id else ' (created on connect)'} at {server_url}"
            )
            for change in changes:
                typer.echo(binding.describe(change))
        else:
            bound = grant.create_if_needed(db, actor, where, choice)
            state = grant.token_state(db, old, bound.project_id)
            if state == "other":  # a live token for another project or scope: rebinding retires it
                grant.revoke_value(db, actor, old)
            # token_state says "valid" only of a token there is; `old and` says so to the type checker.
            token = old if old and state == "valid" else grant.mint(db, actor, where, bound.project_id)
            changes = binding.connect_changes(
                where, server_url=server_url, project_id=bound.project_id, token=token, agents=agents
            )
            done = binding.apply(where, changes)
            made = "created" if bound.created else "bound to"
            typer.echo(f"{where} {made} project {bound.name!r} ({bound.project_id}) at {server_url}")
            for change in changes:
                typer.echo(f"  {change.action:9} {change.rel}")
            if not done:
                typer.echo("Nothing changed: the repository was already connected.")
    except (binding.BindingRefused, PlanDeskError) as exc:
        fail(
            getattr(exc, "message", None) or str(exc),
            code=2 if isinstance(exc, binding.BindingRefused) else 1,
        )
    finally:
        db.dispose()
    if "codex" in agents:
        typer.echo(client_entries.codex_instructions(bound_repo.mcp_url_of(server_url), where))
    for shadow in binding.shadowing_configs(where):
        typer.echo(
            f"warning: {shadow} also defines a 'plandesk' MCP server; a client started in {shadow.parent} "
            "(or above this repository) uses that one. Remove it there if it is stale.",
            err=True,
        )
    import shutil

    if shutil.which("plandesk") is None:
        typer.echo(
            "warning: `plandesk` is not on PATH, and .mcp.json and AGENTS.md call it by that name; run "
            "scripts/install from the Plan Desk clone (it links ~/.local/bin/plandesk) and make sure "
            "~/.local/bin is on PATH",
            err=True,
        )
    if not (where / ".git").exists():
        typer.echo(
            f"note: {where} is not a git repository; .gitignore was written for when it becomes one.",
            err=True,
        )
    if not print_only and not _server_answers(server_url):
        typer.echo(
            f"note: nothing answers at {server_url} yet; start it with plandesk serve. Check the binding "
            f"with: plandesk doctor --repo {where}",
            err=True,
        )
    if not print_only:
        typer.echo("Start a new agent session so it loads the plandesk tools.")


def disconnect(
    repo: RepoOpt = None,
    print_only: PrintOpt = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Undo connect: revoke the repository's token and remove what connect wrote (hand edits stay)."""
    from plandesk.agents import binding, bound_repo, grant

    where = _repo_folder(repo)
    try:
        binding.refuse_unsafe(where)
        changes = binding.disconnect_changes(where)
    except binding.BindingRefused as exc:
        fail(str(exc), code=2)
    if print_only:
        for change in changes:
            typer.echo(binding.describe(change))
        return
    raw = bound_repo.read_token_file(where)
    revoked = None
    if raw:
        # Revoke before deleting the file: if the workspace cannot be reached, nothing is lost.
        db, owner = open_as_owner(data_dir, database_url)
        try:
            revoked = grant.revoke_value(db, owner, raw)
        finally:
            db.dispose()
    binding.apply(where, changes)
    for change in changes:
        typer.echo(f"  {change.action:9} {change.rel}")
    typer.echo(f"Revoked token {revoked['name']!r}." if revoked else "No live token to revoke.")
    leftovers = where / binding.WORKTREES_DIR
    if leftovers.is_dir() and any(leftovers.iterdir()):
        typer.echo(
            f"note: runner worktrees remain in {leftovers}; remove them with git worktree remove.", err=True
        )


def token_header(repo: RepoOpt = None) -> None:
    """Print {"Authorization": "Bearer …"} for MCP clients (Claude Code's headersHelper).

    The token comes from $PLANDESK_MCP_TOKEN when set, else from the nearest .plandesk/token at or above
    the current folder (or --repo).
    """
    from plandesk.agents import bound_repo

    try:
        header = bound_repo.authorization_header(repo or Path.cwd())
    except bound_repo.BindingError as exc:
        typer.echo(f"plandesk token-header: {exc.message}", err=True)
        raise typer.Exit(1)
    sys.stdout.write(json.dumps(header) + "\n")


def context(repo: RepoOpt = None, json_out: JsonOut = False) -> None:
    """The bound project's current task, its spec and the open run (for session-start hooks)."""
    from plandesk.agents import hooks

    try:
        data = hooks.context(repo or Path.cwd())
    except hooks.HookError as exc:
        fail(exc.message, code=exc.exit_code)
    if json_out:
        emit_json(data)
    else:
        typer.echo(hooks.render_context(data))


def progress_checkpoint(
    message: Annotated[str, typer.Option(help="What to record.")] = "checkpoint (hook)",
    repo: RepoOpt = None,
) -> None:
    """Append a progress event to the open agent run (for Stop/PreCompact hooks)."""
    from plandesk.agents import hooks

    try:
        outcome = hooks.checkpoint(repo or Path.cwd(), message)
    except hooks.HookError as exc:
        fail(exc.message, code=exc.exit_code)
    typer.echo(outcome)


def runner(
    worker: Annotated[
        str | None,
        typer.Option(
            help="The worker command line, split like a shell would but run without one; "
            "gets the brief on stdin and in $PLANDESK_TASK_FILE."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Runner config (TOML; default $PLANDESK_RUNNER_CONFIG or .plandesk/runner.toml)."),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Work one task (if one is ready), then exit.")] = False,
    max_tasks: Annotated[int | None, typer.Option(help="Stop after this many tasks.")] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Tasks worked at the same time (default 1).")
    ] = None,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Exit when no task is ready instead of polling.")
    ] = False,
    poll_seconds: Annotated[
        float | None, typer.Option(help="Wait between looks when idle (default 10).")
    ] = None,
    lease_seconds: Annotated[
        int | None, typer.Option(help="Claim lease, renewed every third of it (default 300).")
    ] = None,
    worker_timeout: Annotated[
        float | None, typer.Option(help="Seconds before the worker is killed (default 3600).")
    ] = None,
    gate_timeout: Annotated[float | None, typer.Option(help="Seconds per gate check (default 900).")] = None,
    base: Annotated[str | None, typer.Option(help="Commit each worktree starts from (default HEAD).")] = None,
    require_gate: Annotated[
        bool | None,
        typer.Option(
            "--require-gate/--no-require-gate",
            help="Send tasks without a gate to scope instead of trusting the worker's exit status.",
        ),
    ] = None,
    repo: RepoOpt = None,
    json_out: JsonOut = False,
) -> None:
    """Work the bound project's ready tasks headlessly: claim, git worktree, worker, gate, settle.

    Exit 0 when every task it took ended done (or nothing was ready), 1 when one went back to todo or scope.
    """
    import anyio

    from plandesk.agents import bound_repo, runner_config
    from plandesk.agents.runner import run_bound
    from plandesk.client import PlanDeskClientError

    where = (repo or Path.cwd()).resolve()
    flags = {
        "worker": worker,
        "concurrency": concurrency,
        "max_tasks": 1 if once else max_tasks,
        "until_idle": True if (once or until_idle) else None,
        "poll_seconds": poll_seconds,
        "lease_seconds": lease_seconds,
        "worker_timeout": worker_timeout,
        "gate_timeout": gate_timeout,
        "base_ref": base,
        "require_gate": require_gate,
    }
    try:
        options = runner_config.load(config, where, flags)
    except runner_config.RunnerConfigError as exc:
        fail(str(exc), code=2)
    say = (lambda line: typer.echo(line, err=True)) if json_out else typer.echo
    try:
        settled = anyio.run(run_bound, where, options, say)
    except bound_repo.BindingError as exc:
        fail(exc.message, code=2 if exc.corrupt else 1)
    except PlanDeskClientError as exc:
        fail(str(exc), code=1)
    except KeyboardInterrupt:
        fail(
            "interrupted before tasks were handed back; they return to todo when their lease expires",
            code=130,
        )
    if json_out:
        emit_json([s.__dict__ for s in settled])
    else:
        typer.echo(
            f"runner: {len(settled)} task(s): " + ", ".join(f"{s.label!r} {s.outcome}" for s in settled)
            if settled
            else "runner: no task was ready"
        )
    raise typer.Exit(0 if all(s.outcome == "done" for s in settled) else 1)
