"""Users of the workspace: the local owner created by init, members with roles."""

from __future__ import annotations

from sqlalchemy import func, select

from plandesk.core.actors import Actor
from plandesk.core.clock import new_id, now
from plandesk.core.errors import NotFound
from plandesk.db.schema import users

LOCAL_OWNER_NAME = "Local owner"


def ensure_local_owner(db) -> dict:
    """init creates one owner so that a fresh workspace works with no sign-in on loopback."""
    with db.write() as tx:
        row = tx.conn.execute(select(users).where(users.c.role == "owner", users.c.removed_at.is_(None))
                              .order_by(users.c.created_at).limit(1)).first()
        if row is None:
            uid = new_id()
            ts = now()
            tx.conn.execute(users.insert().values(id=uid, email=None, name=LOCAL_OWNER_NAME, role="owner",
                                                  created_at=ts, updated_at=ts))
            row = tx.conn.execute(select(users).where(users.c.id == uid)).first()
        return {"id": row.id, "name": row.name, "role": row.role, "email": row.email}


def local_owner_actor(db) -> Actor:
    with db.read() as conn:
        row = conn.execute(select(users).where(users.c.role == "owner", users.c.removed_at.is_(None))
                           .order_by(users.c.created_at).limit(1)).first()
    if row is None:
        owner = ensure_local_owner(db)
        return Actor(user_id=owner["id"], name=owner["name"], role="owner")
    return Actor(user_id=row.id, name=row.name, role=row.role)


def active_user_count(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(users).where(users.c.removed_at.is_(None))).scalar_one()


def get_user_row(conn, user_id: str):
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound("user", user_id)
    return row
