"""plandesk token create|list|revoke|rotate."""

from __future__ import annotations

from typing import Annotated

import typer

from plandesk.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonOut,
    cli_actor,
    console,
    emit_json,
    fail,
    open_workspace,
    settings_of,
)
from plandesk.core.errors import PlanDeskError
from plandesk.core.vocab import TOOLSETS

token_app = typer.Typer(help="Create, list, revoke and rotate MCP/API tokens.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")


def _actor_for(db, user_email: str | None):
    actor = cli_actor(db)
    if user_email is None:
        return actor, None
    from sqlalchemy import select

    from plandesk.db.schema import users
    with db.read() as conn:
        row = conn.execute(select(users.c.id).where(users.c.email == user_email.lower(),
                                                    users.c.removed_at.is_(None))).first()
    if row is None:
        fail(f"no user with email {user_email}")
    return actor, row.id


@token_app.command("create")
def create(name: Annotated[str, typer.Option("--name", help="A name you will recognise, e.g. 'Claude Code'.")],
           project: Annotated[list[str] | None, typer.Option("--project", help="Limit to a project id "
                                                                "(repeatable).")] = None,
           read_only: Annotated[bool, typer.Option("--read-only", help="Reads only.")] = False,
           expires: Annotated[str | None, typer.Option("--expires", help="e.g. 12h, 30d, 8w; default never.")] = None,
           toolsets: Annotated[str | None, typer.Option(
               "--toolsets", help="Comma-separated: " + ", ".join(TOOLSETS) + " (default planning; all = every one; "
               "code also grants the code connector).")] = None,
           operations: Annotated[str | None, typer.Option(
               "--operations", help="Narrow the code connector to these operations, e.g. code.search,code.read "
               "(never wider than the user's role).")] = None,
           user: Annotated[str | None, typer.Option("--user", help="Mint for this user's email.")] = None,
           data_dir: DataDir = None, database_url: DatabaseUrl = None, json_out: JsonOut = False) -> None:
    """Create a token. The raw value is printed once, alone on the last line of stdout."""
    from plandesk.core import tokens
    db = open_workspace(settings_of(data_dir, database_url))
    actor, user_id = _actor_for(db, user)
    try:
        result = tokens.create_token(db, actor, name=name, project_ids=project or None, read_only=read_only,
                                     expires=expires, user_id=user_id,
                                     toolsets=[t.strip() for t in toolsets.split(",")] if toolsets else None,
                                     operations=[o.strip() for o in operations.split(",") if o.strip()]
                                     if operations else None)
    except PlanDeskError as exc:
        fail(exc.message)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"Created token {result['name']!r} (id {result['id']}). It is shown once; store it now:", err=True)
    typer.echo(result["token"])


@token_app.command("list")
def list_(data_dir: DataDir = None, database_url: DatabaseUrl = None, json_out: JsonOut = False) -> None:
    """List tokens: name, prefix, created, last used, expiry, state."""
    from rich.table import Table

    from plandesk.core import tokens
    db = open_workspace(settings_of(data_dir, database_url))
    rows = tokens.list_tokens(db, cli_actor(db), all_users=True)
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "name", "prefix", "created", "last used", "expires", "state")
    for r in rows:
        table.add_row(r["id"][:8], r["name"], r["prefix"] + "…", r["created_at"][:19], (r["last_used_at"] or "never")[:19],
                      (r["expires_at"] or "never")[:19], r["state"])
    console.print(table)


@token_app.command("revoke")
def revoke(ref: Annotated[str, typer.Argument(help="Token id (or its first 8 characters) or name.")],
           data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Revoke a token: its next call gets HTTP 401."""
    from plandesk.core import tokens
    db = open_workspace(settings_of(data_dir, database_url))
    try:
        row = tokens.revoke_token(db, cli_actor(db), ref)
    except PlanDeskError as exc:
        fail(exc.message)
    typer.echo(f"Revoked token {row['name']!r} ({row['id']})")


@token_app.command("rotate")
def rotate(ref: Annotated[str, typer.Argument(help="Token id (or its first 8 characters) or name.")],
           expires: Annotated[str | None, typer.Option("--expires", help="A new lifetime, e.g. 30d, or "
                                                          "'never'; default: the token's old lifetime, "
                                                          "counted from now.")] = None,
           data_dir: DataDir = None, database_url: DatabaseUrl = None, json_out: JsonOut = False) -> None:
    """Give a token a new value; the old value fails at once. The new value is the last line of stdout."""
    from plandesk.core import tokens
    db = open_workspace(settings_of(data_dir, database_url))
    try:
        row = tokens.rotate_token(db, cli_actor(db), ref, expires=expires)
    except PlanDeskError as exc:
        fail(exc.message)
    if json_out:
        emit_json(row)
        return
    typer.echo(f"Rotated token {row['name']!r} ({row['id']}); the old value no longer works:", err=True)
    typer.echo(row["token"])
