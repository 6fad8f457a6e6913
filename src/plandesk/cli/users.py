"""plandesk user create|list|role|remove|password: the server's own access, for the first admin."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from plandesk.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonOut,
    cli_actor,
    emit_json,
    emit_rows,
    fail,
    lookup_or_fail,
    open_as_owner,
    open_workspace,
    owner_session,
    settings_of,
    when,
)
from plandesk.core.errors import PlanDeskError
from plandesk.core.vocab import ROLES

user_app = typer.Typer(help="Add people, list them, change roles, remove them.", no_args_is_help=True)
RoleOpt = Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")]
EmailOpt = Annotated[str, typer.Option("--email", help="The person's email (their sign-in name).")]
UserOpt = Annotated[
    str, typer.Option("--email", "--user", help="The person: email, name or id (as user list prints it).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


def _read_password() -> str:
    """One line from stdin, so that a password never appears in argv or the shell history."""
    line = sys.stdin.readline()
    if not line:
        fail("--password-stdin given but stdin was empty")
    return line.rstrip("\r\n")


def _user_id(db, owner, ref: str) -> str:
    return lookup_or_fail("user", db, owner, ref, "--email")


@user_app.command("create")
def create(
    email: EmailOpt,
    role: RoleOpt = "member",
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from stdin; without it an invitation link is printed."
        ),
    ] = False,
    expires: Annotated[
        str, typer.Option(help="How long the invitation link works (e.g. 24h, 7d; at most 30d).")
    ] = "7d",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """Add a person. With --password-stdin they can sign in at once; otherwise print a link for them."""
    from plandesk.core import invitations, shares, users

    settings = settings_of(data_dir, database_url)
    db = open_workspace(settings)
    actor = cli_actor(db)
    try:
        if password_stdin:
            result = users.create_user(
                db, actor, email=email, role=role, name=name, password=_read_password()
            )
        else:
            invite = invitations.create_invitation(db, actor, role=role, email=email, expires=expires)
            origin, _ = shares.public_origin(settings)
            result = {
                **{k: v for k, v in invite.items() if k not in ("token", "path")},
                "url": origin + invite["path"],
            }
    except PlanDeskError as exc:
        fail(exc.message)
    if json_out:
        emit_json(result)
    elif password_stdin:
        typer.echo(f"Created {result['email']} ({result['role']}); they can sign in now.")
    else:
        typer.echo(
            f"Invitation for {result['email']} as {result['role']}, valid until {result['expires_at']}. "
            "Send them this link (shown once):",
            err=True,
        )
        typer.echo(result["url"])


@user_app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Include removed users.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    json_out: JsonOut = False,
) -> None:
    """List the people in the workspace with their roles."""
    from plandesk.core import users

    db, owner = open_as_owner(data_dir, database_url)
    emit_rows(users.list_users(db, owner, include_removed=all_), json_out, USER_COLUMNS, _user_cells)


USER_COLUMNS = ["id", "email", "name", "role", "password", "created", "removed"]


def _user_cells(r: dict) -> list[str]:
    from plandesk.core.lookup import short_id

    return [
        short_id(r["id"]),
        r["email"] or "—",
        r["name"],
        r["role"],
        "set" if r["has_password"] else "—",
        when(r["created_at"]),
        when(r["removed_at"], ""),
    ]


@user_app.command("role")
def role(
    email: UserOpt, new_role: RoleOpt, data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """Change a person's role; every server process applies it from the next request on."""
    from plandesk.core import users

    with owner_session(data_dir, database_url) as (db, owner):
        row = users.change_role(db, owner, _user_id(db, owner, email), new_role)
    typer.echo(f"{row['email']} is now {row['role']}")


@user_app.command("remove")
def remove(email: UserOpt, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Remove a person: their tokens are revoked and their sessions end at once."""
    from plandesk.core import users

    with owner_session(data_dir, database_url) as (db, owner):
        row = users.remove_user(db, owner, _user_id(db, owner, email))
    typer.echo(
        f"Removed {row['email']}: {row['tokens_revoked']} token(s) revoked, "
        f"{row['sessions_ended']} session(s) ended"
    )


@user_app.command("password")
def password(email: UserOpt, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Set a person's password, read as one line from stdin."""
    from plandesk.core import users

    with owner_session(data_dir, database_url) as (db, owner):
        users.set_password(db, owner, _user_id(db, owner, email), _read_password())
    typer.echo(f"Password set for {email}")
