"""plandesk backup|restore: a consistent copy while the server runs, and putting one back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plandesk.cli.common import DatabaseUrl, DataDir, JsonOut, emit_json, fail, settings_of
from plandesk.core.errors import PlanDeskError


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)


def _show_postgres_command(commands: dict, job: str, json_out: bool, before: str, after: str) -> None:
    """PostgreSQL is backed up and restored with its own tools: print the command for `job` (on stdout, so it
    can be piped) between two lines for the person (on stderr), or all the commands as JSON."""
    if json_out:
        emit_json(commands)
        return
    typer.echo(before, err=True)
    typer.echo(commands[job])
    if after:
        typer.echo(after, err=True)


def backup(
    out: Annotated[
        Path, typer.Option(help="The file to write (SQLite), or to name in the pg_dump command (PostgreSQL).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """Back up the workspace. Safe while the server is running and agents are writing."""
    from plandesk.core import backup as ops

    settings = settings_of(data_dir, database_url)
    if not settings.is_sqlite:
        commands = ops.postgres_commands(settings, str(out))
        note = f"({commands['note']})" if commands["note"] else ""
        _show_postgres_command(
            commands, "backup", json_out, "PostgreSQL is backed up with its own tools. Run:", note
        )
        return
    try:
        result = ops.backup_sqlite(settings, out, overwrite=force)
    except PlanDeskError as exc:
        fail(exc.message)
    if json_out:
        emit_json(result)
        return
    counts = result["counts"]
    typer.echo(
        f"Backed up to {result['path']} ({result['bytes']:,} bytes in {result['seconds']} s): "
        f"{counts['projects']} projects, {counts['tasks']} tasks, {counts['users']} users; "
        f"integrity ok, migration {result['revision']}"
    )


def restore(
    source: Annotated[Path, typer.Option("--in", help="A file written by plandesk backup.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """Replace the workspace with a backup. Stop the server first: restore refuses while one runs.

    The file is checked (SQLite integrity, a Plan Desk schema this version knows) before anything is
    touched; the current database is kept beside it as workspace.db.bak.
    """
    from plandesk.core import backup as ops

    settings = settings_of(data_dir, database_url)
    if not settings.is_sqlite:
        _show_postgres_command(
            ops.postgres_commands(settings, str(source)),
            "restore",
            json_out,
            "PostgreSQL is restored with its own tools. Stop every Plan Desk server, then run:",
            "and start the servers again (they apply any newer migrations on start).",
        )
        return
    try:
        result = ops.restore_sqlite(settings, source)
    except PlanDeskError as exc:
        fail(exc.message)
    if json_out:
        emit_json(result)
        return
    kept = (
        f"; the previous database is kept at {result['previous_kept_as']}"
        if result["previous_kept_as"]
        else ""
    )
    counts = result["counts"]
    typer.echo(
        f"Restored {result['restored_from']} ({counts['projects']} projects, {counts['tasks']} tasks, "
        f"{counts['users']} users), now at migration {result['revision']}{kept}"
    )
