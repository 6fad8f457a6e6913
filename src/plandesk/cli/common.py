"""Options every workspace command shares, and opening the workspace they point at."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from plandesk.core.errors import PlanDeskError
from plandesk.settings import Settings, SettingsError, load_settings

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Workspace folder (env PLANDESK_DATA_DIR; default ~/.plandesk)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="postgresql://… to use PostgreSQL (env PLANDESK_DATABASE_URL)."),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def add_commands(app: typer.Typer, *commands: Callable) -> None:
    """Each function becomes a command named after it, as Typer names them (token_header: `token-header`)."""
    for command in commands:
        app.command()(command)


def settings_of(data_dir: Path | None, database_url: str | None, **extra) -> Settings:
    try:
        return load_settings(data_dir=data_dir, database_url=database_url, **extra)
    except SettingsError as exc:
        fail(str(exc), code=2)


def open_workspace(settings: Settings):
    from plandesk.core.workspace import initialise

    try:
        return initialise(settings)
    except PlanDeskError as exc:
        fail(exc.message, code=1)
    except Exception as exc:  # noqa: BLE001  the database cannot be reached or opened
        fail(
            f"cannot open the workspace at {_where(settings)}: {exc.__class__.__name__}: {str(exc)[:300]}",
            code=1,
        )


def _where(settings: Settings) -> str:
    from plandesk.core.workspace import describe_location

    return describe_location(settings)


def open_as_owner(data_dir: Path | None, database_url: str | None):
    """(db, actor): the workspace these options point at, opened, and the CLI's actor in it, looked up once."""
    db = open_workspace(settings_of(data_dir, database_url))
    return db, cli_actor(db)


@contextmanager
def owner_session(data_dir: Path | None, database_url: str | None) -> Iterator[tuple[Any, Any]]:
    """`with owner_session(...) as (db, owner):` one command's use of the workspace, as its owner: a refusal
    from the core exits 1 with the core's message, and the engine is disposed however the command ends."""
    db, owner = open_as_owner(data_dir, database_url)
    try:
        yield db, owner
    except PlanDeskError as exc:
        fail(exc.message)
    finally:
        db.dispose()


def cli_actor(db):
    """The CLI has the server's own access: it acts as the workspace owner."""
    from dataclasses import replace

    from plandesk.core.users import local_owner_actor

    return replace(local_owner_actor(db), via="cli")


def fail(message: str, code: int = 1) -> NoReturn:
    # Plain text, one line: scripts read this, and Rich would wrap it at 80 columns off a terminal.
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def emit_json(value) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def emit_rows(
    rows: list[dict], json_out: bool, headers: list[str], cells: Callable[[dict], list[str]]
) -> None:
    """A list command's output: the rows as JSON with --json, else a table with cells(row) on each line."""
    if json_out:
        emit_json(rows)
    else:
        print_table(headers, [cells(r) for r in rows])


def when(value: str | None, empty: str = "never") -> str:
    """An ISO time as '2026-12-04 18:17:58' (UTC), whole: the space lets a narrow table wrap it, never cut it."""
    return value[:19].replace("T", " ") if value else empty


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """A table that never cuts a value: on a terminal long cells wrap (at spaces, else fold) to fit its width;
    in a pipe or a file nothing wraps at all, one row per line, so grep and cut see whole values."""
    from rich.table import Table

    out = console if console.is_terminal else Console(width=max(200, _natural_width(headers, rows)))
    table = Table(*headers, box=None, pad_edge=False, header_style="bold")
    for i, column in enumerate(table.columns):
        column.overflow = "fold"
        # A short id (8) or a date (10) stays on one line; longer words may fold rather than push the table
        # past the terminal's edge.
        words = [len(w) for row in rows for w in str(row[i]).split()] or [len(headers[i])]
        column.min_width = min(max(words), 10)
    for row in rows:
        table.add_row(*row)
    out.print(table, highlight=False, soft_wrap=not console.is_terminal)


def _natural_width(headers: list[str], rows: list[list[str]]) -> int:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(c))) for w, c in zip(widths, row, strict=False)]
    return sum(widths) + 3 * len(widths) + 4


def fail_error(exc: PlanDeskError, flags: dict[str, str] | None = None, code: int = 1) -> NoReturn:
    """A domain error in the user's words: the core names its parameters (`project_ids`), the user typed a
    flag (`--project`); say the flag."""
    message = exc.message
    for name, flag in (flags or {}).items():
        message = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flag, message)
    fail(message, code=code)


def lookup_or_fail(kind: str, db, actor, ref: str, flag: str) -> str:
    """The full id of the project, token or user that `ref` names (id, short id or name), else exit 1."""
    from plandesk.core import lookup

    find = {"project": lookup.project_id, "token": lookup.token_id, "user": lookup.user_id}[kind]
    try:
        return find(db, actor, ref, field=flag)
    except PlanDeskError as exc:
        fail(exc.message)  # "project 'x' not found", "2 projects match 'x': …" already speak the user's words
