"""MCP authorization (OAuth 2.1): registered clients, consent, one-time codes, grants with rotating refresh tokens.

An OAuth grant is an ordinary api_tokens row (the access token, `plandesk_mcp_…`, so every check, cache, rate
limit and listing that covers tokens covers it) plus an oauth_grants row naming the client and holding the
hash of the current refresh token. Refreshing rotates both secrets in one transaction; the old ones fail.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from plandesk.core import audit, fields, secrets, tokens
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, new_id, now
from plandesk.core.errors import Forbidden, Gone, InvalidArgument, NotFound
from plandesk.core.oauth_rules import SCOPES, narrow_grant, redirect_allowed, registration_settings, scopes_of
from plandesk.core.permissions import READ_OPERATIONS
from plandesk.db.schema import api_tokens, oauth_clients, oauth_codes, oauth_grants, projects, users

ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=30)
REQUEST_TTL = timedelta(minutes=10)  # from /authorize to the person's decision
CODE_TTL = timedelta(minutes=5)  # from the decision to the token exchange
STALE_AFTER = timedelta(hours=1)
REGISTRATIONS_PER_MINUTE = 60  # per client address: registration needs no credential
# /oauth/token per client address and client id: a client exchanges a code once and refreshes about hourly,
# so a minute's allowance is far above any real client and stops a loop guessing codes or refresh tokens; the
# per-address limit keeps one address from spreading the guessing over many made-up client ids.
TOKEN_REQUESTS_PER_MINUTE = 60
TOKEN_REQUESTS_PER_ADDRESS_PER_MINUTE = 600
# Access tokens are ordinary tokens with a longer prefix: the MCP guard can refuse them in a URL without a lookup.
ACCESS_PREFIX = tokens.PREFIX + "oauth_"
REFRESH_PREFIX = "plandesk_rt_"
CODE_PREFIX = "plandesk_ac_"


class GrantError(InvalidArgument):
    """A refusal in OAuth's own words: `error` is the RFC 6749/8707 code the token endpoint answers with."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error


# Clients


def register_client(db, info: dict) -> dict:
    """Store a registration the SDK validated; every redirect URI must pass the workspace's redirect rule."""
    with db.write() as tx:
        settings = registration_settings(tx.conn)
        if not settings["registration_open"]:
            raise Forbidden(
                "client registration is switched off in this workspace; an owner can switch it on"
            )
        for uri in info.get("redirect_uris") or []:
            if not redirect_allowed(str(uri), settings["redirect_hosts"]):
                raise GrantError(
                    "invalid_redirect_uri",
                    f"redirect URI {uri!s} is not allowed here: use a loopback address "
                    "(http://127.0.0.1:<port>/…) or ask an owner to allow its host",
                )
        name = fields.text("client_name", info.get("client_name") or "MCP client", max_len=200, strip=True)
        stored = dict(info)
        if stored.get("client_secret"):  # kept only as a hash; the token endpoint hashes what it is sent
            stored["client_secret"] = secret_digest(stored["client_secret"])
        tx.conn.execute(
            oauth_clients.insert().values(
                client_id=info["client_id"], client_name=name or "MCP client", info=stored, created_at=now()
            )
        )
    return info


def secret_digest(secret: str) -> str:
    """A client secret as stored: the token endpoint hashes what it is sent and compares hashes."""
    return secrets.digest(secret)


def get_client(db, client_id: str) -> dict | None:
    if not isinstance(client_id, str) or len(client_id) > 64:
        return None
    with db.read() as conn:
        row = conn.execute(select(oauth_clients).where(oauth_clients.c.client_id == client_id)).first()
    return dict(row.info) if row is not None else None


# Authorization requests and the person's decision


def start_request(db, client_id: str, request: dict, *, resources: set[str]) -> str:
    """Park an /authorize request until the person decides; the id travels in the consent page's URL."""
    resource = request.get("resource")
    if resource is not None and resource.rstrip("/") not in {r.rstrip("/") for r in resources}:
        raise GrantError(
            "invalid_target", f"this server issues tokens only for {min(resources)}, not for {resource}"
        )
    request_id = secrets.random_id(24)
    with db.write() as tx:
        # Requests nobody answered and codes long past their life: nothing can use them any more.
        tx.conn.execute(oauth_codes.delete().where(oauth_codes.c.expires_at < now() - STALE_AFTER))
        tx.conn.execute(
            oauth_codes.insert().values(
                id=request_id,
                client_id=client_id,
                request=request,
                expires_at=now() + REQUEST_TTL,
                created_at=now(),
            )
        )
    return request_id


def _pending(conn, request_id: str):
    request_id = fields.required_text("request", request_id, max_len=64)
    row = conn.execute(
        select(oauth_codes, oauth_clients.c.client_name)
        .join(oauth_clients, oauth_clients.c.client_id == oauth_codes.c.client_id)
        .where(oauth_codes.c.id == request_id)
    ).first()
    if row is None:
        raise NotFound("authorization request", request_id)
    if row.used_at is not None or row.code_hash is not None:
        raise Gone("this authorization request was already answered; start again from the app")
    if aware(row.expires_at) <= now():
        raise Gone("this authorization request has expired; start again from the app")
    return row


def describe_request(db, actor: Actor, request_id: str) -> dict:
    """What the consent page shows: who asks, where the answer goes, and what this person may allow."""
    with db.read() as conn:
        row = _pending(conn, request_id)
        # Pre-ticked: only the operations that change nothing; the person opts in to the rest.
        offer = narrow_grant(
            conn,
            actor,
            row.request.get("scopes"),
            project_ids=None,
            read_only=False,
            toolsets=None,
            operations=list(READ_OPERATIONS),
        )
    return {
        "id": row.id,
        "client_name": row.client_name,
        "redirect_uri": row.request["redirect_uri"],
        "redirect_host": urlsplit(row.request["redirect_uri"]).netloc or row.request["redirect_uri"],
        "requested_scopes": row.request.get("scopes") or list(SCOPES),
        "offer": offer,
        "role": actor.role,
    }


def approve(
    db,
    actor: Actor,
    request_id: str,
    *,
    project_ids: list[str] | None,
    read_only: bool,
    toolsets: list[str] | None,
    operations: list[str] | None,
) -> dict:
    """The person allows the connection: record what they chose (never more than their role) and mint a code."""
    if actor.token_id is not None:
        raise Forbidden("a token cannot approve a connection; sign in in the browser")
    code = secrets.mint(CODE_PREFIX)
    with db.write() as tx:
        row = _pending(tx.conn, request_id)
        grant = narrow_grant(
            tx.conn,
            actor,
            row.request.get("scopes"),
            project_ids=project_ids,
            read_only=read_only,
            toolsets=toolsets,
            operations=operations,
        )
        done = tx.conn.execute(
            update(oauth_codes)
            .where(oauth_codes.c.id == row.id, oauth_codes.c.code_hash.is_(None))
            .values(
                user_id=actor.user_id,
                grant=grant,
                code_hash=secrets.digest(code),
                expires_at=now() + CODE_TTL,
            )
        ).rowcount
        if done != 1:
            raise Gone("this authorization request was already answered")
        audit.record_workspace(
            tx,
            actor,
            "oauth.approve",
            "oauth_client",
            row.client_id,
            detail={"client_name": row.client_name, "scopes": scopes_of(grant)},
        )
    return {"redirect_uri": row.request["redirect_uri"], "state": row.request.get("state"), "code": code}


def deny(db, actor: Actor, request_id: str) -> dict:
    with db.write() as tx:
        row = _pending(tx.conn, request_id)
        tx.conn.execute(update(oauth_codes).where(oauth_codes.c.id == row.id).values(used_at=now()))
    return {"redirect_uri": row.request["redirect_uri"], "state": row.request.get("state")}


# The token endpoint


def load_code(db, client_id: str, raw: str) -> dict | None:
    """The code as the token endpoint checks it; `expires_in` is seconds left on our clock (negative: expired)."""
    with db.read() as conn:
        row = secrets.lookup(conn, oauth_codes, raw, prefix=CODE_PREFIX, column="code_hash")
    if row is None or row.client_id != client_id:
        return None
    return {
        "code": raw,
        "client_id": row.client_id,
        "request": row.request,
        "grant": row.grant,
        "user_id": row.user_id,
        "expires_in": (aware(row.expires_at) - now()).total_seconds(),
    }


def _user_actor(conn, user_id: str, token_id: str | None, client_name: str) -> Actor:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None or row.removed_at is not None:
        raise GrantError("invalid_grant", "the person who allowed this connection is no longer a member")
    return Actor(
        user_id=row.id, name=row.name, role=row.role, token_id=token_id, client_name=client_name, via="oauth"
    )


def exchange_code(db, client_id: str, raw: str) -> dict:
    """Code → access and refresh token, once. A second use revokes what the first one issued (RFC 6749 §4.1.2)."""
    digest = secrets.digest(raw)
    replayed = None
    try:
        return _exchange_once(db, client_id, digest)
    except _Replayed as exc:
        replayed = exc.token_id
    if replayed is not None:  # its own transaction: the refusal below must not roll the revocation back
        revoke_grant(db, replayed)
    raise GrantError("invalid_grant", "authorization code was already used; the tokens it gave are revoked")


class _Replayed(Exception):
    def __init__(self, token_id: str | None) -> None:
        self.token_id = token_id


def _exchange_once(db, client_id: str, digest: str) -> dict:
    with db.write() as tx:
        row = tx.conn.execute(
            select(oauth_codes, oauth_clients.c.client_name)
            .join(oauth_clients, oauth_clients.c.client_id == oauth_codes.c.client_id)
            .where(oauth_codes.c.code_hash == digest)
        ).first()
        if row is None or row.client_id != client_id:
            raise GrantError("invalid_grant", "authorization code does not exist")
        if row.used_at is not None:
            raise _Replayed(row.token_id)
        if aware(row.expires_at) <= now():
            raise GrantError("invalid_grant", "authorization code has expired")
        actor = _user_actor(tx.conn, row.user_id, None, row.client_name)
        access, refresh, token_id = secrets.mint(ACCESS_PREFIX), secrets.mint(REFRESH_PREFIX), new_id()
        grant, ts = row.grant, now()
        won = tx.conn.execute(
            update(oauth_codes)
            .where(oauth_codes.c.id == row.id, oauth_codes.c.used_at.is_(None))
            .values(used_at=ts, token_id=token_id)
        ).rowcount
        if won != 1:
            raise _Replayed(None)
        tx.conn.execute(
            api_tokens.insert().values(
                id=token_id,
                user_id=actor.user_id,
                name=row.client_name,
                prefix=secrets.shown_part(access, ACCESS_PREFIX),
                token_hash=secrets.digest(access),
                project_ids=grant["project_ids"],
                read_only=grant["read_only"],
                toolsets=grant["toolsets"],
                operations=grant["operations"],
                expires_at=ts + ACCESS_TTL,
                created_at=ts,
            )
        )
        tx.conn.execute(
            oauth_grants.insert().values(
                token_id=token_id,
                client_id=client_id,
                refresh_hash=secrets.digest(refresh),
                refresh_expires_at=ts + REFRESH_TTL,
                resource=row.request.get("resource"),
                scopes=scopes_of(grant),
                created_at=ts,
            )
        )
        tokens.audit_token(
            tx,
            actor,
            "create",
            token_id,
            {
                "name": row.client_name,
                "user_id": actor.user_id,
                "client_name": row.client_name,
                "via": "oauth",
            },
        )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "scope": " ".join(scopes_of(grant)),
        "token_id": token_id,
    }


def _grant_view(raw: str, grant, **more) -> dict:
    """A presented OAuth token (refresh or access) as the SDK's verifier takes it: its grant's client,
    scopes, resource and token id, and what the kind adds (`more`)."""
    return {
        "token": raw,
        "client_id": grant.client_id,
        "scopes": list(grant.scopes),
        "resource": grant.resource,
        "token_id": grant.token_id,
        **more,
    }


def load_refresh(db, client_id: str, raw: str) -> dict | None:
    """A live refresh token of this client, or None (unknown, rotated, revoked, expired, or its person removed)."""
    if not secrets.well_formed(raw, REFRESH_PREFIX):
        return None
    with db.read() as conn:
        row = conn.execute(
            select(oauth_grants, api_tokens.c.revoked_at, api_tokens.c.user_id, users.c.removed_at)
            .join(api_tokens, api_tokens.c.id == oauth_grants.c.token_id)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(oauth_grants.c.refresh_hash == secrets.digest(raw))
        ).first()
    if row is None or row.client_id != client_id or row.revoked_at is not None or row.removed_at is not None:
        return None
    if aware(row.refresh_expires_at) <= now():
        return None
    return _grant_view(
        raw, row, user_id=row.user_id, expires_in=(aware(row.refresh_expires_at) - now()).total_seconds()
    )


def refresh(db, client_id: str, raw: str, scopes: list[str] | None = None) -> dict:
    """New access and refresh token for the same grant; the presented refresh token and the old access token
    stop working in the same transaction. Asking for fewer scopes narrows the grant for good."""
    old = secrets.digest(raw)
    access, fresh = secrets.mint(ACCESS_PREFIX), secrets.mint(REFRESH_PREFIX)
    with db.write() as tx:
        row = tx.conn.execute(
            select(
                oauth_grants,
                api_tokens.c.revoked_at,
                api_tokens.c.user_id,
                api_tokens.c.name,
                api_tokens.c.read_only,
                api_tokens.c.toolsets,
            )
            .join(api_tokens, api_tokens.c.id == oauth_grants.c.token_id)
            .where(oauth_grants.c.refresh_hash == old)
        ).first()
        if (
            row is None
            or row.client_id != client_id
            or row.revoked_at is not None
            or aware(row.refresh_expires_at) <= now()
        ):
            raise GrantError("invalid_grant", "refresh token does not exist")
        actor = _user_actor(tx.conn, row.user_id, row.token_id, row.name)
        kept = [s for s in row.scopes if scopes is None or s in scopes]
        ts = now()
        won = tx.conn.execute(
            update(oauth_grants)
            .where(oauth_grants.c.token_id == row.token_id, oauth_grants.c.refresh_hash == old)
            .values(refresh_hash=secrets.digest(fresh), refresh_expires_at=ts + REFRESH_TTL, scopes=kept)
        ).rowcount
        if won != 1:  # a concurrent refresh with the same token won; this one must fail like a reused token
            raise GrantError("invalid_grant", "refresh token does not exist")
        values = {
            "token_hash": secrets.digest(access),
            "prefix": secrets.shown_part(access, ACCESS_PREFIX),
            "expires_at": ts + ACCESS_TTL,
        }
        if "write" not in kept:
            values["read_only"] = True
        if "code" not in kept:
            values["toolsets"] = [t for t in (row.toolsets or ["planning"]) if t != "code"] or ["planning"]
        tx.conn.execute(update(api_tokens).where(api_tokens.c.id == row.token_id).values(**values))
        tokens.audit_token(
            tx,
            actor,
            "rotate",
            row.token_id,
            {"name": row.name, "client_name": row.name, "via": "oauth"},
        )
    return {
        "access_token": access,
        "refresh_token": fresh,
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "scope": " ".join(kept),
        "token_id": row.token_id,
    }


def load_access(db, raw: str) -> dict | None:
    """An OAuth access token's grant (for revocation and the SDK's verifier); None for plain tokens."""
    with db.read() as conn:
        token = tokens.find(conn, raw)  # the one lookup of a presented token
        if token is None or token.revoked_at is not None:
            return None
        grant = conn.execute(select(oauth_grants).where(oauth_grants.c.token_id == token.id)).first()
    if grant is None:
        return None
    return _grant_view(raw, grant, expires_at=aware(token.expires_at))


def revoke_grant(db, token_id: str) -> None:
    """RFC 7009 from the client itself: the access and the refresh token die together."""
    with db.write() as tx:
        row = tx.conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if row is None or row.revoked_at is not None:
            return
        tx.conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now()))
        actor = Actor(
            user_id=row.user_id, name=row.name, token_id=token_id, client_name=row.name, via="oauth"
        )
        tokens.audit_token(
            tx,
            actor,
            "revoke",
            token_id,
            {"name": row.name, "client_name": row.name, "via": "oauth"},
        )


def client_names(db, token_ids: list[str]) -> dict[str, str]:
    """token id → OAuth client name, for the tokens among these that came from a sign-in."""
    if not token_ids:
        return {}
    with db.read() as conn:
        rows = conn.execute(
            select(oauth_grants.c.token_id, oauth_clients.c.client_name)
            .join(oauth_clients, oauth_clients.c.client_id == oauth_grants.c.client_id)
            .where(oauth_grants.c.token_id.in_(token_ids))
        ).all()
    return {r.token_id: r.client_name for r in rows}


def visible_projects(db, actor: Actor) -> list[dict]:
    with db.read() as conn:
        rows = conn.execute(select(projects.c.id, projects.c.name).order_by(projects.c.name).limit(500)).all()
    return [{"id": r.id, "name": r.name} for r in rows if actor.sees(r.id)]
