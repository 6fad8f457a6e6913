"""Commands for the workspace itself: init, serve, status, version, doctor."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from plandesk import __version__
from plandesk.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonOut,
    add_commands,
    console,
    emit_json,
    fail,
    open_workspace,
    settings_of,
)
from plandesk.core.access import is_loopback


def register(app: typer.Typer) -> None:
    add_commands(app, init, serve, status, version, doctor)


def init(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Create the workspace (or bring it up to date) and print where it lives. Safe to run twice."""
    from plandesk.core.workspace import describe_location

    settings = settings_of(data_dir, database_url)
    db = open_workspace(settings)
    db.dispose()
    typer.echo(f"Initialized workspace at {describe_location(settings)}")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 3847).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow non-loopback --host.")] = False,
    allowed_hosts: Annotated[
        str | None, typer.Option(help="Extra Host names to accept, comma-separated (for a reverse proxy).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only for more than 1).")] = 1,
    log_level: Annotated[str, typer.Option(help="Server log level.")] = "info",
) -> None:
    """Run the server: web UI, REST API at /api/v1 and MCP at /mcp/."""
    import uvicorn

    from plandesk.core.workspace import describe_location

    settings = settings_of(data_dir, database_url, host=host, port=port, allowed_hosts=allowed_hosts)
    if not is_loopback(settings.host) and not allow_remote:
        fail(
            f"--host {settings.host} is not a loopback address; add --allow-remote to serve beyond this "
            "machine (sign-in is then required)",
            code=2,
        )
    if workers > 1 and settings.is_sqlite:
        fail(
            "--workers above 1 needs PostgreSQL (--database-url postgresql://…); SQLite has one writer",
            code=2,
        )
    _refuse_busy_port(settings.host, settings.port)
    db = open_workspace(settings)  # initialises on first start, refuses a newer database
    db.dispose()
    env = {
        "PLANDESK_DATA_DIR": str(settings.data_dir),
        "PLANDESK_HOST": settings.host,
        "PLANDESK_PORT": str(settings.port),
    }
    if settings.database_url:
        env["PLANDESK_DATABASE_URL"] = settings.database_url
    if settings.allowed_hosts:
        env["PLANDESK_ALLOWED_HOSTS"] = ",".join(settings.allowed_hosts)
    os.environ.update(env)
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    console.print(
        f"Plan Desk {__version__} serving {describe_location(settings)}", highlight=False, soft_wrap=True
    )
    console.print(
        f"Open http://{shown}:{settings.port}/  ·  MCP: http://{shown}:{settings.port}/mcp/",
        highlight=False,
        soft_wrap=True,
    )
    uvicorn.run(
        "plandesk.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        access_log=False,
        log_level=log_level.lower(),
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


def _refuse_busy_port(host: str, port: int) -> None:
    """Try the address before saying "Open …": a busy port is one clear error, not a URL and then Errno 98."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as uvicorn binds: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(
                    f"port {port} on {host} is already in use (is another plandesk serve running?); stop it, "
                    f"or serve on another port with --port {port + 1}",
                    code=1,
                )
            if exc.errno == errno.EACCES:
                fail(
                    f"port {port} on {host} needs more privileges; choose a port above 1023 with --port",
                    code=1,
                )
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host and --port", code=1)


def status(data_dir: DataDir = None, database_url: DatabaseUrl = None, json_out: JsonOut = False) -> None:
    """Show the workspace: where it is, its projects and task counts."""
    from plandesk.cli.common import cli_actor
    from plandesk.core import projects
    from plandesk.core.workspace import describe_location

    settings = settings_of(data_dir, database_url)
    db = open_workspace(settings)
    actor = cli_actor(db)
    items = projects.list_projects(db, actor, limit=500)["items"]
    rows = [projects.get_project(db, actor, p["id"]) for p in items]
    if json_out:
        emit_json({"workspace": describe_location(settings), "projects": rows})
        return
    from plandesk.cli.common import print_table
    from plandesk.core.lookup import short_id

    typer.echo(f"Workspace: {describe_location(settings)}")
    print_table(
        ["id", "name", "tasks", "todo", "in progress", "done"],
        [
            [
                short_id(p["id"]),
                p["name"],
                str(p["summary"]["total"]),
                str(p["summary"]["todo"]),
                str(p["summary"]["in_progress"]),
                str(p["summary"]["done"]),
            ]
            for p in rows
        ],
    )


def version() -> None:
    """Print the Plan Desk version."""
    typer.echo(f"plandesk {__version__}")


def doctor(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
    repo: Annotated[str | None, typer.Option(help="Also check a connected repository.")] = None,
) -> None:
    """Check the workspace: database reachable, migrations current, tables present, integrity.

    Exit 0 healthy, 1 unhealthy, 2 corrupt.
    """
    from plandesk.core import health

    settings = settings_of(data_dir, database_url)
    report = health.check_workspace(settings)
    if repo is not None:
        from plandesk.agents import binding_health

        binding_health.check_repo(report, settings, repo)
    report["warnings"] = _sandbox_warnings(settings)
    if json_out:
        emit_json(report)
    else:
        for c in report["checks"]:
            mark = "[green]ok[/green]" if c["ok"] else "[red]FAIL[/red]"
            # soft_wrap: the terminal folds a long line; Rich would break it inside an id or a path.
            console.print(f"{mark}  {c['name']}: {c['detail']}", highlight=False, soft_wrap=True)
        for w in report["warnings"]:
            console.print(f"[yellow]WARN[/yellow]  {w}", highlight=False, soft_wrap=True)
        console.print({0: "healthy", 1: "unhealthy", 2: "corrupt"}[report["status"]])
    raise typer.Exit(report["status"])


def _sandbox_warnings(settings) -> list[str]:
    """The connector's containment on this machine: warnings only, the workspace itself stays healthy."""
    import shutil

    from plandesk.connector import process, sandbox

    warnings = []
    state = sandbox.status()
    if not state["available"]:
        unsandboxed = False
        try:
            from plandesk.core import sandbox_mode, workspace

            unsandboxed = sandbox_mode.unsandboxed_allowed(workspace.open_database(settings))
        except Exception as exc:  # noqa: BLE001 - doctor reports what it can; the checks above name the cause
            warnings.append(f"sandbox: could not read the sandbox mode setting ({type(exc).__name__})")
        if unsandboxed:
            warnings.append(
                f"sandbox: UNSANDBOXED MODE: connector programs (exec, build, deploy) run with the "
                f"server's own rights and can read the workspace ({state['detail']})"
            )
        else:
            warnings.append(f"sandbox: code_exec, builds and deploys are refused: {state['detail']}")
    elif not state.get("limits", True):
        warnings.append(f"sandbox: {state['detail']}")
    if shutil.which("rg", path=process.SAFE_PATH) is None:
        warnings.append("search: ripgrep is not installed; code_search is refused (apt-get install ripgrep)")
    return warnings
