"""Browser sessions (filled in by the teams work): a cookie value → an Actor, or None."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from plandesk.core.actors import Actor
from plandesk.core.clock import aware, now
from plandesk.db.schema import sessions, users


def actor_for_session(db, raw: str) -> Actor | None:
    digest = hashlib.sha256(raw.encode()).hexdigest()
    with db.read() as conn:
        row = conn.execute(select(sessions, users.c.name, users.c.role, users.c.removed_at).join(
            users, users.c.id == sessions.c.user_id).where(sessions.c.token_hash == digest)).first()
    if row is None or row.removed_at is not None or aware(row.expires_at) <= now():
        return None
    return Actor(user_id=row.user_id, name=row.name, role=row.role, via="session")
