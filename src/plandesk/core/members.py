"""The member roster: who is in the workspace, their role and live tokens, and what the viewer may change."""

from __future__ import annotations

from sqlalchemy import func, select

from plandesk.core import invitations, users
from plandesk.core.actors import Actor
from plandesk.core.clock import now
from plandesk.core.vocab import ROLES
from plandesk.db.schema import api_tokens, sessions
from plandesk.db.schema import users as users_table


def assignable_roles(actor: Actor) -> list[str]:
    if actor.role == "owner":
        return list(ROLES)
    if actor.role == "admin":
        return [r for r in ROLES if r != "owner"]
    return []


def may_manage(actor: Actor, member_role: str, member_id: str) -> bool:
    """Whether the members page offers role and remove controls on this row (the core re-checks on submit)."""
    if actor.token_id is not None or not actor.can_write or actor.role not in users.MANAGERS:
        return False
    if member_id == actor.user_id:
        return False
    return actor.role == "owner" or member_role != "owner"


def roster(db, actor: Actor) -> dict:
    """Every signed-in person may see who else is here; invitations are shown to owners and admins."""
    ts = now()
    with db.read() as conn:
        rows = conn.execute(
            select(users_table).where(users_table.c.removed_at.is_(None)).order_by(users_table.c.created_at)
        ).all()
        live_tokens = dict(
            conn.execute(
                select(api_tokens.c.user_id, func.count())
                .where(
                    api_tokens.c.revoked_at.is_(None),
                    (api_tokens.c.expires_at.is_(None)) | (api_tokens.c.expires_at > ts),
                )
                .group_by(api_tokens.c.user_id)
            ).all()
        )
        live_sessions = dict(
            conn.execute(
                select(sessions.c.user_id, func.count())
                .where(sessions.c.expires_at > ts)
                .group_by(sessions.c.user_id)
            ).all()
        )
    members = []
    for r in rows:
        item = users.to_dict(r)
        item["active_tokens"] = live_tokens.get(r.id, 0)
        item["signed_in_sessions"] = live_sessions.get(r.id, 0)
        item["is_you"] = r.id == actor.user_id
        item["can_manage"] = may_manage(actor, r.role, r.id)
        members.append(item)
    manager = actor.role in users.MANAGERS and actor.token_id is None and actor.can_write
    return {
        "members": members,
        "invitations": invitations.list_invitations(db, actor) if manager else [],
        "you": {"id": actor.user_id, "name": actor.name, "role": actor.role},
        "can_invite": manager,
        "assignable_roles": assignable_roles(actor) if manager else [],
    }
