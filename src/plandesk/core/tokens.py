"""MCP/API tokens: shown once, stored as SHA-256, scoped, revocable, rotatable; last use throttled."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, bindparam, or_, select, update

from plandesk.core import audit, fields, secrets, token_cache
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.core.errors import Forbidden, InvalidArgument, NotFound, Unauthorized
from plandesk.core.permissions import load_permissions
from plandesk.core.vocab import CONNECTOR_OPERATIONS, MAX_NAME, TOOLSETS
from plandesk.db.engine import Tx
from plandesk.db.schema import agent_runs, api_tokens, oauth_clients, oauth_grants, projects, users

PREFIX = "plandesk_mcp_"
LAST_USED_THROTTLE = timedelta(seconds=60)
_EXPIRES = re.compile(r"(\d+)([hdw])")
_ID_PREFIX = re.compile(r"[0-9a-fA-F]{8}[0-9a-fA-F-]{0,28}")


def parse_expires(value: str | None):
    if value is None or value in ("", "never"):
        return None
    m = _EXPIRES.fullmatch(value.strip())
    if not m:
        raise InvalidArgument("expires must look like 12h, 30d or 8w, or be 'never'", field="expires")
    n, unit = int(m.group(1)), m.group(2)
    if n <= 0 or n > 3650:
        raise InvalidArgument("expires must be between 1 and 3650 units", field="expires")
    return now() + {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]


def to_dict(row) -> dict:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "name": row.name,
        "prefix": row.prefix,
        "project_ids": row.project_ids,
        "read_only": row.read_only,
        "toolsets": row.toolsets or ["planning"],
        "operations": row.operations,
        "created_at": iso(row.created_at),
        "last_used_at": iso(row.last_used_at),
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
        "state": secrets.state_of(row),
    }


def audit_token(tx: Tx, actor: Actor, verb: str, token_id: str, detail: dict) -> None:
    """A token's life in the audit log, the same entry whichever path made, rotated or revoked it (the UI,
    the CLI, an OAuth grant): `token.<verb>` on the token, outside any project."""
    audit.record_workspace(tx, actor, f"token.{verb}", "token", token_id, detail=detail)


def create_token(
    db,
    actor: Actor,
    *,
    name: str,
    project_ids: list[str] | None = None,
    read_only: bool = False,
    expires: str | None = None,
    toolsets: list[str] | None = None,
    operations: list[str] | None = None,
    user_id: str | None = None,
) -> dict:
    """Mint a token for the actor's own user (or, for owners/admins and the CLI, another user)."""
    if actor.token_id is not None:
        raise Unauthorized("tokens cannot mint tokens; create one in the UI or the CLI")
    name = fields.required_text("name", name, max_len=MAX_NAME, strip=True)
    if project_ids is not None:
        project_ids = [fields.ident("project_ids", p) for p in project_ids] or None
    if toolsets is not None:
        for t in toolsets:
            fields.choice("toolsets", t, TOOLSETS)
        toolsets = sorted(set(toolsets)) or ["planning"]
    if operations is not None:
        for op in operations:
            fields.choice("operations", op, CONNECTOR_OPERATIONS)
        operations = [op for op in CONNECTOR_OPERATIONS if op in set(operations)]
    fields.flag("read_only", read_only)
    expires_at = parse_expires(expires)
    raw = secrets.mint(PREFIX)
    with db.write() as tx:
        owner_id = actor.user_id
        if user_id is not None and user_id != actor.user_id:
            actor.require_role("owner", "admin", what="minting a token for another user")
            owner_id = user_id
        holder = tx.conn.execute(
            select(users.c.role).where(users.c.id == owner_id, users.c.removed_at.is_(None))
        ).first()
        if holder is None:
            raise NotFound("user", owner_id)
        if operations:
            # A token narrows its holder and never widens them: operations beyond the role's row are refused
            # here, at creation, not only at each call.
            granted = load_permissions(tx.conn)["matrix"].get(holder.role, [])
            beyond = [op for op in operations if op not in granted]
            if beyond:
                raise Forbidden(
                    f"the {holder.role} role may not use {', '.join(beyond)} (Settings → Permissions "
                    f"→ Code Connector); it may grant {', '.join(granted) or 'no code operations'}",
                    field="operations",
                    permission=beyond[0],
                    grantable=granted,
                )
        for pid in project_ids or []:
            if tx.conn.execute(select(projects.c.id).where(projects.c.id == pid)).first() is None:
                raise NotFound("project", pid, field="project_ids")
        tid = new_id()
        tx.conn.execute(
            api_tokens.insert().values(
                id=tid,
                user_id=owner_id,
                name=name,
                prefix=secrets.shown_part(raw, PREFIX),
                token_hash=secrets.digest(raw),
                project_ids=project_ids,
                read_only=bool(read_only),
                toolsets=toolsets or ["planning"],
                operations=operations,
                expires_at=expires_at,
                created_at=now(),
            )
        )
        audit_token(
            tx,
            actor,
            "create",
            tid,
            {"name": name, "user_id": owner_id},
        )
        row = tx.conn.execute(select(api_tokens).where(api_tokens.c.id == tid)).first()
    return {**to_dict(row), "token": raw}


def grant_state(token: dict, refresh_expires_at, client_name: str | None) -> dict:
    """A token that came from an OAuth sign-in, as people see it: its access token lasts an hour and is
    refreshed by the app, so the connection lives until it is revoked or its refresh token runs out."""
    ends = aware(refresh_expires_at)
    return {
        **token,
        "via": "oauth",
        "client_name": client_name,
        "access_expires_at": token["expires_at"],
        "expires_at": iso(ends),
        "state": "revoked" if token["revoked_at"] else "expired" if ends <= now() else "active",
    }


def list_tokens(db, actor: Actor, *, all_users: bool = False) -> list[dict]:
    with db.read() as conn:
        q = (
            select(api_tokens, oauth_grants.c.refresh_expires_at, oauth_clients.c.client_name)
            .outerjoin(oauth_grants, oauth_grants.c.token_id == api_tokens.c.id)
            .outerjoin(oauth_clients, oauth_clients.c.client_id == oauth_grants.c.client_id)
            .order_by(api_tokens.c.created_at.desc())
        )
        if not (all_users and actor.role in ("owner", "admin")):
            q = q.where(api_tokens.c.user_id == actor.user_id)
        return [
            grant_state(to_dict(r), r.refresh_expires_at, r.client_name)
            if r.refresh_expires_at is not None
            else to_dict(r)
            for r in conn.execute(q).all()
        ]


def _find(conn, actor: Actor, ref: str):
    ref = fields.required_text("token", ref, max_len=200, strip=True)
    match = [api_tokens.c.id == ref, api_tokens.c.name == ref, api_tokens.c.prefix == ref]
    if _ID_PREFIX.fullmatch(ref):
        # `token list` shows the first 8 characters of the id; they must be enough to name the token.
        match.append(api_tokens.c.id.like(ref.lower() + "%"))
    q = select(api_tokens).where(or_(*match))
    rows = [
        r
        for r in conn.execute(q.order_by(api_tokens.c.created_at.desc())).all()
        if r.user_id == actor.user_id or actor.role in ("owner", "admin")
    ]
    live = [r for r in rows if r.revoked_at is None]
    rows = live or rows
    if not rows:
        raise NotFound("token", ref)
    if len(rows) > 1 and rows[0].id != ref:
        raise InvalidArgument(
            f"{len(rows)} tokens match {ref!r}; use the full id from `token list --json`", field="token"
        )
    return rows[0]


def revoke_token(db, actor: Actor, ref: str) -> dict:
    if actor.token_id is not None:
        raise Unauthorized("tokens cannot revoke tokens; use the UI or the CLI")
    with db.write() as tx:
        row = _find(tx.conn, actor, ref)
        if row.revoked_at is None:
            tx.conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(revoked_at=now()))
            audit_token(
                tx,
                actor,
                "revoke",
                row.id,
                {"name": row.name},
            )
        return to_dict(tx.conn.execute(select(api_tokens).where(api_tokens.c.id == row.id)).first())


def rotate_token(db, actor: Actor, ref: str, *, expires: str | None = None) -> dict:
    """A new secret for the same token record: the old value fails at once.

    The lifetime starts again from now (an expired token is brought back by rotating it, as the connector
    guide tells users to do); `expires` sets a different lifetime, 'never' removes the limit. created_at
    becomes the moment the current value was minted.
    """
    if actor.token_id is not None:
        raise Unauthorized("tokens cannot rotate tokens; use the UI or the CLI")
    new_expiry = parse_expires(expires) if expires is not None else None
    raw = secrets.mint(PREFIX)
    with db.write() as tx:
        row = _find(tx.conn, actor, ref)
        if row.revoked_at is not None:
            raise InvalidArgument("a revoked token cannot be rotated; create a new one", field="token")
        if row.user_id != actor.user_id and actor.via != "cli":
            # Rotation hands over a working secret that acts as the token's user: only that user, or an
            # owner for someone who is not an owner, may receive it (an admin could otherwise act as owner).
            # The CLI opens the database itself, so it already holds more than any secret would give.
            holder_role = tx.conn.execute(select(users.c.role).where(users.c.id == row.user_id)).scalar()
            if actor.role != "owner" or holder_role == "owner":
                raise Forbidden(
                    "only the token's own user, or an owner for a non-owner's token, may rotate it",
                    permission="role",
                )
        ts = now()
        if expires is None and row.expires_at is not None:
            new_expiry = ts + (aware(row.expires_at) - aware(row.created_at))
        tx.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == row.id)
            .values(
                token_hash=secrets.digest(raw),
                prefix=secrets.shown_part(raw, PREFIX),
                last_used_at=None,
                created_at=ts,
                expires_at=new_expiry,
            )
        )
        audit_token(
            tx,
            actor,
            "rotate",
            row.id,
            {"name": row.name},
        )
        fresh = tx.conn.execute(select(api_tokens).where(api_tokens.c.id == row.id)).first()
    return {**to_dict(fresh), "token": raw}


def authenticate(db, raw: str) -> Actor:
    """Raw token → Actor, or Unauthorized saying which: unknown, revoked or expired.

    A token resolved before, under the same auth change counter, comes from the cache (core/token_cache):
    no join, no transaction. A revoke, rotation, role change or user removal anywhere moves the counter.
    """
    if not secrets.well_formed(raw, PREFIX):
        raise Unauthorized("the token is not a Plan Desk token", reason="invalid_token")
    digest = secrets.digest(raw)
    changes = db.auth_changes()  # read before the row, so a change committed after it misses next time
    hit = token_cache.resolved.get(db.url, digest, changes) if changes is not None else None
    if hit is not None:
        if hit.expires_at is not None and hit.expires_at <= now():
            raise Unauthorized("the token has expired", reason="expired_token")
        if hit.actor.token_id is not None:  # a cached caller is always a token's; the check is for the type
            _touch(db, hit.actor.token_id, hit)
        return hit.actor
    with db.read() as conn:
        row = _resolve(conn, digest)
    if row is None:
        raise Unauthorized("the token is unknown (wrong value, or rotated)", reason="invalid_token")
    if row.revoked_at is not None or row.removed_at is not None:
        raise Unauthorized("the token was revoked", reason="revoked_token")
    if row.expires_at is not None and aware(row.expires_at) <= now():
        raise Unauthorized("the token has expired", reason="expired_token")
    actor = Actor(
        user_id=row.user_id,
        name=row.user_name,
        role=row.role,
        token_id=row.id,
        project_ids=frozenset(row.project_ids) if row.project_ids else None,
        read_only=row.read_only,
        toolsets=tuple(row.toolsets or ["planning"]),
        operations=frozenset(row.operations) if row.operations is not None else None,
        via="token",
    )
    entry = token_cache.Resolved(
        changes if changes is not None else -1, actor, aware(row.expires_at), aware(row.last_used_at)
    )
    _touch(db, row.id, entry)
    if changes is not None:
        token_cache.resolved.put(db.url, digest, entry)
    return actor


# Built once: the statement is the same for every request.
_RESOLVE = (
    select(api_tokens, users.c.name.label("user_name"), users.c.role, users.c.removed_at)
    .join(users, users.c.id == api_tokens.c.user_id)
    .where(api_tokens.c.token_hash == bindparam("digest"))
)


def _resolve(conn, digest: str):
    row = conn.execute(_RESOLVE, {"digest": digest}).first()
    return row if row is not None and secrets.matches(row.token_hash, digest) else None


def find(conn, raw) -> Row[Any] | None:
    """The row of a presented token (with its user's name, role and removed_at), or None when it is not one
    of ours. The one lookup of a presented token: authenticate and OAuth's access tokens both go through it."""
    if not secrets.well_formed(raw, PREFIX):
        return None
    return _resolve(conn, secrets.digest(raw))


def _touch(db, token_id: str, entry) -> None:
    """Record use at most once a minute per token (last_used_at moves no auth counter)."""
    last = entry.last_used_at
    ts = now()
    if last is None or ts - last > LAST_USED_THROTTLE:
        entry.last_used_at = ts
        with db.write() as tx:
            tx.conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=ts))


def with_open_run(db, actor: Actor) -> Actor:
    """The actor with run_id set to its token's most recent running agent run, so writes are audited with it."""
    if actor.token_id is None or actor.run_id is not None:
        return actor
    with db.read() as conn:
        return with_open_runs(conn, [actor])[0]


_OPEN_RUNS = (
    select(agent_runs.c.token_id, agent_runs.c.id)
    .where(agent_runs.c.token_id.in_(bindparam("tokens", expanding=True)), agent_runs.c.status == "running")
    .order_by(agent_runs.c.started_at.desc(), agent_runs.c.id.desc())
)


def with_open_runs(conn, actors: list[Actor]) -> list[Actor]:
    """with_open_run for several actors in one read on `conn` (a batch of claims inside its transaction)."""
    wanted = {a.token_id for a in actors if a.token_id is not None and a.run_id is None}
    if not wanted:
        return actors
    newest: dict[str, str] = {}
    for token_id, run_id in conn.execute(_OPEN_RUNS, {"tokens": sorted(wanted)}):
        newest.setdefault(token_id, run_id)
    return [
        replace(a, run_id=newest[a.token_id]) if a.run_id is None and a.token_id in newest else a
        for a in actors
    ]
