"""plandesk import and plandesk export: one project to and from a JSON file."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from plandesk.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonOut,
    emit_json,
    err_console,
    fail,
    lookup_or_fail,
    open_as_owner,
    owner_session,
)
from plandesk.core.errors import PlanDeskError


def register(app: typer.Typer) -> None:
    app.command("import")(import_plan)
    app.command("export")(export_plan)


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[str, int, int], None] | None]:
    """A Rich bar on stderr, only for a person watching a terminal; scripts and pipes get none."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{what} ({step.replace('_', ' ')})", completed=done, total=total)

        yield update


def import_plan(
    in_file: Annotated[
        Path, typer.Option("--in", help="The export file: Plan Desk format 2 or plandesk-export-v1.")
    ],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """Import a project from a file as a new project; prints its id alone on the last line of stdout.

    The whole file is checked first: a bad file exits 1 naming the problem, and nothing is written.
    """
    from plandesk.core import portability

    try:
        raw = in_file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {in_file}: {exc.strerror or exc}")
    db, owner = open_as_owner(data_dir, database_url)
    try:
        with progress_bar("Importing") as progress:
            result = portability.import_project(db, owner, portability.parse_export(raw), progress)
    except PlanDeskError as exc:
        fail(f"{exc.message} (in {in_file}; nothing was imported)")
    except Exception as exc:  # noqa: BLE001  the transaction rolled back; say so rather than print a traceback
        fail(f"the import failed and nothing was written: {exc.__class__.__name__}: {str(exc)[:300]}")
    finally:
        db.dispose()
    if json_out:
        emit_json(result)
        return
    counts = result["counts"]
    summary = ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in counts.items() if n)
    typer.echo(f"Imported project {result['name']!r}: {summary or 'no rows'}", err=True)
    typer.echo(result["project_id"])


def export_plan(
    project: Annotated[str, typer.Option(help="The project: its id, short id or name.")],
    out: Annotated[Path, typer.Option(help="The file to write (replaced if it exists).")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """Export one project, every table that hangs off it, to a JSON file (format 2, lossless)."""
    from plandesk.core import portability

    with owner_session(data_dir, database_url) as (db, owner):
        project_id = lookup_or_fail("project", db, owner, project, "--project")
        with progress_bar("Exporting") as progress:
            doc = portability.export_project(db, owner, project_id, progress)
    try:
        write_atomically(out, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    name = doc["project"]["name"]
    if json_out:
        emit_json(
            {
                "project_id": doc["project"]["id"],
                "name": name,
                "file": str(out),
                "counts": {k: len(v) for k, v in doc.items() if isinstance(v, list)},
            }
        )
        return
    typer.echo(f"Exported project {name} to {out}")


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename: a reader never sees half a file, a failure leaves none."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
