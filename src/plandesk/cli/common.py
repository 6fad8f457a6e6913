"""Options every workspace command shares, and opening the workspace they point at."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from plandesk.core.errors import PlanDeskError
from plandesk.settings import Settings, SettingsError, load_settings

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Workspace folder (env PLANDESK_DATA_DIR; "
                                                 "default ~/.plandesk).", show_default=False)]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="postgresql://… to use PostgreSQL "
                                                    "(env PLANDESK_DATABASE_URL).", show_default=False)]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


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
    except Exception as exc:  # the database cannot be reached or opened
        fail(f"cannot open the workspace at {_where(settings)}: {exc.__class__.__name__}: {str(exc)[:300]}", code=1)


def _where(settings: Settings) -> str:
    from plandesk.core.workspace import describe_location
    return describe_location(settings)


def cli_actor(db):
    """The CLI has the server's own access: it acts as the workspace owner."""
    from dataclasses import replace

    from plandesk.core.users import local_owner_actor
    return replace(local_owner_actor(db), via="cli")


def fail(message: str, code: int = 1):
    # Plain text, one line: scripts read this, and Rich would wrap it at 80 columns off a terminal.
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def emit_json(value) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
