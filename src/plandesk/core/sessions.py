"""Browser sessions: sign-in stores only a SHA-256 of the cookie value; sign-out deletes the row."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from plandesk.core import audit
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.db.engine import Tx
from plandesk.db.schema import sessions, users

COOKIE_NAME = "plandesk_session"
LIFETIME = timedelta(days=14)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(tx: Tx, actor: Actor) -> dict:
    """A fresh random session for a user who just proved who they are, inside the caller's transaction."""
    raw = secrets.token_urlsafe(32)
    expires = now() + LIFETIME
    ts = now()
    tx.conn.execute(sessions.delete().where(sessions.c.user_id == actor.user_id, sessions.c.expires_at < ts))
    tx.conn.execute(sessions.insert().values(id=new_id(), user_id=actor.user_id, token_hash=_hash(raw),
                                             expires_at=expires, created_at=ts))
    audit.record(tx, actor, "user.sign_in", project_id=None, target_type="user", target_id=actor.user_id)
    return {"cookie": raw, "expires_at": iso(expires), "max_age": int(LIFETIME.total_seconds()),
            "user": {"id": actor.user_id, "name": actor.name, "role": actor.role}}


def sign_in(db, *, email, password) -> dict:
    from plandesk.core.users import authenticate_password
    actor = authenticate_password(db, email, password)
    with db.write() as tx:
        return start_session(tx, actor)


def sign_out(db, raw: str | None) -> bool:
    """Ends the session server-side, so a copied cookie stops working too."""
    if not raw or len(raw) > 200:
        return False
    with db.write() as tx:
        row = tx.conn.execute(select(sessions.c.id, sessions.c.user_id, users.c.name, users.c.role).join(
            users, users.c.id == sessions.c.user_id).where(sessions.c.token_hash == _hash(raw))).first()
        if row is None:
            return False
        tx.conn.execute(sessions.delete().where(sessions.c.id == row.id))
        audit.record(tx, Actor(user_id=row.user_id, name=row.name, role=row.role, via="session"),
                     "user.sign_out", project_id=None, target_type="user", target_id=row.user_id)
        return True


def actor_for_session(db, raw: str) -> Actor | None:
    if not raw or len(raw) > 200:
        return None
    with db.read() as conn:
        row = conn.execute(select(sessions, users.c.name, users.c.role, users.c.removed_at).join(
            users, users.c.id == sessions.c.user_id).where(sessions.c.token_hash == _hash(raw))).first()
    if row is None or row.removed_at is not None or aware(row.expires_at) <= now():
        return None
    return Actor(user_id=row.user_id, name=row.name, role=row.role, via="session")
