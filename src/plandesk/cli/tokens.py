"""plandesk token create|list|revoke|rotate."""

from __future__ import annotations

from typing import Annotated

import typer

from plandesk.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonOut,
    emit_json,
    emit_rows,
    fail_error,
    lookup_or_fail,
    open_as_owner,
    owner_session,
    when,
)
from plandesk.core.errors import PlanDeskError
from plandesk.core.vocab import TOOLSETS

token_app = typer.Typer(help="Create, list, revoke and rotate MCP/API tokens.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")


@token_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="A name you will recognise, e.g. 'Claude Code'.")],
    project: Annotated[
        list[str] | None, typer.Option(help="Limit to a project: its id, short id or name (repeatable).")
    ] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Reads only.")] = False,
    expires: Annotated[str | None, typer.Option(help="e.g. 12h, 30d, 8w; default never.")] = None,
    toolsets: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: " + ", ".join(TOOLSETS) + " (default planning; all = every one; "
            "code also grants the code connector)."
        ),
    ] = None,
    operations: Annotated[
        str | None,
        typer.Option(
            help="Narrow the code connector to these operations, e.g. code.search,code.read "
            "(never wider than the user's role)."
        ),
    ] = None,
    user: Annotated[str | None, typer.Option(help="Mint for this user: email, name or id.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """Create a token. The raw value is printed once, alone on the last line of stdout."""
    from plandesk.core import tokens

    db, actor = open_as_owner(data_dir, database_url)
    user_id = lookup_or_fail("user", db, actor, user, "--user") if user is not None else None
    project_ids = [lookup_or_fail("project", db, actor, ref, "--project") for ref in project or []]
    try:
        result = tokens.create_token(
            db,
            actor,
            name=name,
            project_ids=project_ids or None,
            read_only=read_only,
            expires=expires,
            user_id=user_id,
            toolsets=[t.strip() for t in toolsets.split(",")] if toolsets else None,
            operations=[o.strip() for o in operations.split(",") if o.strip()] if operations else None,
        )
    except PlanDeskError as exc:
        fail_error(
            exc,
            {
                "project_ids": "--project",
                "user_id": "--user",
                "read_only": "--read-only",
                "toolsets": "--toolsets",
                "operations": "--operations",
                "expires": "--expires",
                "name": "--name",
            },
        )
    if json_out:
        emit_json(result)
        return
    typer.echo(
        f"Created token {result['name']!r} (id {result['id']}). It is shown once; store it now:", err=True
    )
    typer.echo(result["token"])


@token_app.command("list")
def list_(data_dir: DataDir = None, database_url: DatabaseUrl = None, json_out: JsonOut = False) -> None:
    """List tokens: name, prefix, created, last used, expiry, state (an OAuth sign-in: its grant's)."""
    from plandesk.core import tokens

    db, owner = open_as_owner(data_dir, database_url)
    emit_rows(tokens.list_tokens(db, owner, all_users=True), json_out, TOKEN_COLUMNS, _token_cells)


TOKEN_COLUMNS = ["id", "name", "prefix", "created", "last used", "expires", "state"]


def _token_cells(r: dict) -> list[str]:
    from plandesk.core.lookup import short_id

    # A signed-in app's "expires" is its grant's (the hourly access token is refreshed by the app).
    state = r["state"] + (" (signed-in app)" if r.get("via") == "oauth" else "")
    return [
        short_id(r["id"]),
        r["name"],
        r["prefix"] + "…",
        when(r["created_at"]),
        when(r["last_used_at"]),
        when(r["expires_at"]),
        state,
    ]


@token_app.command("revoke")
def revoke(
    ref: Annotated[str, typer.Argument(help="The token's id, short id (as token list prints it) or name.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token: its next call gets HTTP 401."""
    from plandesk.core import tokens

    with owner_session(data_dir, database_url) as (db, owner):
        row = tokens.revoke_token(db, owner, lookup_or_fail("token", db, owner, ref, "TOKEN"))
    typer.echo(f"Revoked token {row['name']!r} ({row['id']})")


@token_app.command("rotate")
def rotate(
    ref: Annotated[str, typer.Argument(help="The token's id, short id (as token list prints it) or name.")],
    expires: Annotated[
        str | None,
        typer.Option(
            help="A new lifetime, e.g. 30d, or 'never'; default: the token's old lifetime, counted from now."
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """Give a token a new value; the old value fails at once. The new value is the last line of stdout."""
    from plandesk.core import tokens

    with owner_session(data_dir, database_url) as (db, owner):
        row = tokens.rotate_token(
            db, owner, lookup_or_fail("token", db, owner, ref, "TOKEN"), expires=expires
        )
    if json_out:
        emit_json(row)
        return
    typer.echo(f"Rotated token {row['name']!r} ({row['id']}); the old value no longer works:", err=True)
    typer.echo(row["token"])
