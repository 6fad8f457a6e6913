"""Naming a project, token or user the way a person does: full id, the short id the CLI prints, or a name.

One rule for every command line that takes a reference (MCP keeps full ids, which agents copy exactly):
a full id wins outright; otherwise every record whose name (or email) equals the reference, and every
record whose id starts with it (4 characters or more), is a candidate. One candidate is the answer; none is
`not_found`; several is `invalid_argument` listing them, so the person can pick the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from plandesk.core.actors import Actor
from plandesk.core.errors import InvalidArgument, NotFound

SHORT_ID_LENGTH = 8  # what tables print; a reference needs at least MIN_PREFIX characters of it
MIN_PREFIX = 4
_ID_PREFIX = re.compile(r"[0-9a-fA-F-]+")


def short_id(full_id: str) -> str:
    return full_id[:SHORT_ID_LENGTH]


def resolve(
    what: str,
    ref: str,
    records: Iterable[dict],
    *,
    names: tuple[str, ...] = ("name",),
    field: str | None = None,
) -> dict:
    """The one record `ref` names among `records` (dicts with an "id" and the `names` keys)."""
    ref = (ref or "").strip()
    if not ref:
        raise InvalidArgument(f"name the {what} by its id, short id or name", field=field or what)
    rows = list(records)
    for row in rows:
        if row["id"] == ref:
            return row
    lowered = ref.lower()
    by_prefix = _ID_PREFIX.fullmatch(ref) is not None and len(ref) >= MIN_PREFIX
    found: dict[str, dict] = {}
    for row in rows:
        named = any(isinstance(row.get(key), str) and row[key] == ref for key in names)
        if named or (by_prefix and str(row["id"]).lower().startswith(lowered)):
            found[row["id"]] = row
    if not found:
        raise NotFound(what, repr(ref), field=field or what)
    if len(found) > 1:
        listed = "; ".join(f"{_label(r, names)} ({r['id']})" for r in found.values())
        raise InvalidArgument(
            f"{len(found)} {what}s match {ref!r}: {listed}; pass one of the ids",
            field=field or what,
            candidates=[r["id"] for r in found.values()],
        )
    return next(iter(found.values()))


def _label(row: dict, names: tuple[str, ...]) -> str:
    for key in names:
        if row.get(key):
            return repr(row[key])
    return short_id(row["id"])


def all_projects(db, actor: Actor) -> list[dict]:
    from plandesk.core import projects

    out, cursor = [], None
    while True:
        got = projects.list_projects(db, actor, limit=500, cursor=cursor)
        out += got["items"]
        cursor = got["next_cursor"]
        if not cursor:
            return out


def project_id(db, actor: Actor, ref: str, *, field: str = "project") -> str:
    return resolve("project", ref, all_projects(db, actor), field=field)["id"]


def token_id(db, actor: Actor, ref: str, *, field: str = "token") -> str:
    from plandesk.core import tokens

    rows = tokens.list_tokens(db, actor, all_users=True)
    live = [r for r in rows if r.get("state") != "revoked"]
    try:  # a name reused after a revocation means the live token
        return resolve("token", ref, live, names=("name", "prefix"), field=field)["id"]
    except NotFound:
        return resolve("token", ref, rows, names=("name", "prefix"), field=field)["id"]


def user_id(db, actor: Actor, ref: str, *, field: str = "user") -> str:
    from plandesk.core import users

    rows = [{**r, "email_lower": (r.get("email") or "").lower()} for r in users.list_users(db, actor)]
    return resolve(
        "user", ref.lower() if "@" in ref else ref, rows, names=("email_lower", "name"), field=field
    )["id"]
