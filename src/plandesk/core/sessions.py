"""Browser sessions: sign-in stores only a SHA-256 of the cookie value; sign-out deletes the row."""

from __future__ import annotations

import base64
import weakref
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from plandesk.core import audit, secrets
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.db.engine import Tx
from plandesk.db.schema import sessions, users, workspace_settings

COOKIE_NAME = "plandesk_session"
LIFETIME = timedelta(days=14)


def start_session(tx: Tx, actor: Actor, *, signing_in: bool = True) -> dict:
    """A fresh random session for a user who just proved who they are, inside the caller's transaction."""
    raw = secrets.mint()
    expires = now() + LIFETIME
    ts = now()
    tx.conn.execute(sessions.delete().where(sessions.c.user_id == actor.user_id, sessions.c.expires_at < ts))
    tx.conn.execute(
        sessions.insert().values(
            id=new_id(),
            user_id=actor.user_id,
            token_hash=secrets.digest(raw),
            expires_at=expires,
            created_at=ts,
        )
    )
    if signing_in:
        audit.record_workspace(tx, actor, "user.sign_in", "user", actor.user_id)
    return {
        "cookie": raw,
        "expires_at": iso(expires),
        "max_age": int(LIFETIME.total_seconds()),
        "user": {"id": actor.user_id, "name": actor.name, "role": actor.role},
    }


def sign_in(db, *, email, password) -> dict:
    from plandesk.core.users import authenticate_password

    actor = authenticate_password(db, email, password)
    with db.write() as tx:
        return start_session(tx, actor)


def sign_out(db, raw: str | None) -> bool:
    """Ends the session server-side, so a copied cookie stops working too."""
    if not secrets.well_formed(raw):
        return False
    with db.write() as tx:
        row = tx.conn.execute(
            select(sessions.c.id, sessions.c.user_id, users.c.name, users.c.role)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == secrets.digest(raw))
        ).first()
        if row is None:
            return False
        tx.conn.execute(sessions.delete().where(sessions.c.id == row.id))
        audit.record_workspace(
            tx,
            Actor(user_id=row.user_id, name=row.name, role=row.role, via="session"),
            "user.sign_out",
            "user",
            row.user_id,
        )
        return True


def actor_for_session(db, raw: str) -> Actor | None:
    if not secrets.well_formed(raw):
        return None
    with db.read() as conn:
        row = conn.execute(
            select(sessions, users.c.name, users.c.role, users.c.removed_at)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == secrets.digest(raw))
        ).first()
    if row is None or row.removed_at is not None or aware(row.expires_at) <= now():
        return None
    return Actor(user_id=row.user_id, name=row.name, role=row.role, via="session")


# CSRF tokens bound to the browser's session (or, before sign-in, to a pre-session cookie).
#
# The token is an HMAC under a workspace secret of the session cookie itself, so it cannot be made without
# both the secret and the HttpOnly cookie: a cookie planted from another origin (cookies ignore ports, so any
# page on this host can plant one) never yields a token the server accepts. The raw cookie, not its stored
# hash, is the input, so even someone who reads the database cannot derive a live session's token.
CSRF_SECRET_KEY = "csrf"
_csrf_secrets: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def csrf_secret(db) -> bytes:
    """The workspace's CSRF key: made once, kept in the database so every server process agrees on it."""
    cached = _csrf_secrets.get(db)
    if cached is not None:
        return cached
    secret = _stored_csrf_secret(db)
    if secret is None:
        try:
            with db.write() as tx:
                if _read_csrf_secret(tx.conn) is None:
                    tx.conn.execute(
                        workspace_settings.insert().values(
                            key=CSRF_SECRET_KEY, value={"secret": secrets.random_hex(32)}, updated_at=now()
                        )
                    )
        except IntegrityError:  # another process stored it first; theirs is the one
            pass
        secret = _stored_csrf_secret(db)
    if secret is None:  # stored above or by another process; a read that misses it is a broken database
        raise RuntimeError("the workspace's CSRF secret could not be stored")
    _csrf_secrets[db] = secret
    return secret


def csrf_secret_ready(db) -> bool:
    """Whether csrf_secret(db) answers from memory (async callers move the first, reading call to a thread)."""
    return db in _csrf_secrets


def _read_csrf_secret(conn) -> bytes | None:
    row = conn.execute(
        select(workspace_settings.c.value).where(workspace_settings.c.key == CSRF_SECRET_KEY)
    ).first()
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    return bytes.fromhex(value["secret"]) if isinstance(value.get("secret"), str) else None


def _stored_csrf_secret(db) -> bytes | None:
    with db.read() as conn:
        return _read_csrf_secret(conn)


def csrf_token(db, *, session_cookie: str | None, presession: str | None) -> str | None:
    """The one token this browser may send: bound to its session if it has one, else to its pre-session id
    (so sign-in forms are protected too); None when the browser holds neither cookie."""
    if secrets.well_formed(session_cookie):
        binding = "session\0" + session_cookie
    elif presession:
        binding = "pre\0" + presession
    else:
        return None
    mac = secrets.mac(csrf_secret(db), binding)
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def rotate(tx: Tx, actor: Actor, raw: str | None) -> dict | None:
    """Replace the session `raw` of this actor by a fresh one (after a password change: whoever copied the old
    cookie is out, the person stays signed in); None when `raw` is not a live session of theirs."""
    if not secrets.well_formed(raw) or actor.user_id is None:
        return None
    gone = tx.conn.execute(
        sessions.delete().where(
            sessions.c.token_hash == secrets.digest(raw), sessions.c.user_id == actor.user_id
        )
    ).rowcount
    return start_session(tx, actor, signing_in=False) if gone else None


def end_sessions(tx: Tx, user_id: str, *, keep: str | None = None) -> int:
    """End every session of a user except `keep` (the raw cookie of the one making the change, if any)."""
    q = sessions.delete().where(sessions.c.user_id == user_id)
    if secrets.well_formed(keep):
        q = q.where(sessions.c.token_hash != secrets.digest(keep))
    return tx.conn.execute(q).rowcount
