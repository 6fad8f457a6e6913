"""Invitation links: a role and an expiry behind a random token shown once; only its hash is stored."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from plandesk.core import audit, fields, secrets, sessions, users
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.core.errors import Conflict, Gone, InvalidArgument, NotFound
from plandesk.core.vocab import MAX_NAME, ROLES
from plandesk.db.schema import invitations
from plandesk.db.schema import users as users_table

PREFIX = "plandesk_invite_"
DEFAULT_EXPIRES = "7d"
_EXPIRES = re.compile(r"(\d+)([hd])")
MAX_LIFETIME = timedelta(days=30)


def invite_path(raw: str) -> str:
    return f"/invite/{raw}"


def parse_expires(value) -> timedelta:
    value = fields.text("expires", value, max_len=10, strip=True) or DEFAULT_EXPIRES
    m = _EXPIRES.fullmatch(value)
    if not m or int(m.group(1)) <= 0:
        raise InvalidArgument("expires must look like 24h or 7d", field="expires")
    span = timedelta(hours=int(m.group(1))) if m.group(2) == "h" else timedelta(days=int(m.group(1)))
    if span > MAX_LIFETIME:
        raise InvalidArgument("an invitation lasts at most 30 days", field="expires")
    return span


def state_of(row, creator_may_grant: bool | None = None) -> str:
    """used, expired, invalid (its creator may no longer grant its role: it admits no one) or pending.
    `invalid` is judged when the caller read the creator (creator_may_grant not None)."""
    if row.used_at is not None:
        return "used"
    if aware(row.expires_at) <= now():
        return "expired"
    if creator_may_grant is False:
        return "invalid"
    return "pending"


def to_dict(row, creator_may_grant: bool | None = None) -> dict:
    return {
        "id": row.id,
        "email": row.email,
        "role": row.role,
        "expires_at": iso(row.expires_at),
        "used_at": iso(row.used_at),
        "created_at": iso(row.created_at),
        "state": state_of(row, creator_may_grant),
    }


def create_invitation(db, actor: Actor, *, role, email=None, expires=None) -> dict:
    """The raw link is returned once, to be copied and sent by hand (no mail server needed)."""
    users.require_manager(actor, "inviting someone")
    role = fields.choice("role", role, ROLES, required=True)
    users.check_may_grant(actor, role)
    email = users.clean_email(email) if email not in (None, "") else None
    span = parse_expires(expires)
    raw = secrets.mint(PREFIX)
    with db.write() as tx:
        if email is not None:
            taken = tx.conn.execute(
                select(users_table.c.id).where(
                    users_table.c.email == email, users_table.c.removed_at.is_(None)
                )
            ).first()
            if taken is not None:
                raise Conflict(f"{email} is already a member", field="email")
        iid = new_id()
        tx.conn.execute(
            invitations.insert().values(
                id=iid,
                token_hash=secrets.digest(raw),
                email=email,
                role=role,
                expires_at=now() + span,
                created_by=actor.user_id,
                created_at=now(),
            )
        )
        audit.record_workspace(
            tx, actor, "invitation.create", "invitation", iid, detail={"email": email, "role": role}
        )
        row = tx.conn.execute(select(invitations).where(invitations.c.id == iid)).first()
    return {**to_dict(row), "token": raw, "path": invite_path(raw)}


def list_invitations(db, actor: Actor, *, pending_only: bool = True) -> list[dict]:
    """Every invitation, or (pending_only) those still open: pending ones, and invalid ones, whose creator was
    removed or lost the right to grant their role since. An invalid one admits no one; it is listed with its
    state so a manager sees why and can revoke it, never as pending."""
    actor.require_role(*users.MANAGERS, what="listing invitations")
    creators = users_table.alias("creator")
    with db.read() as conn:
        rows = conn.execute(
            select(
                invitations,
                creators.c.role.label("creator_role"),
                creators.c.removed_at.label("creator_removed_at"),
                creators.c.id.label("creator_id"),
            )
            .select_from(invitations.outerjoin(creators, creators.c.id == invitations.c.created_by))
            .order_by(invitations.c.created_at.desc())
        ).all()
    out = [
        to_dict(r, r.creator_id is not None and _may_grant(r.creator_role, r.creator_removed_at, r.role))
        for r in rows
    ]
    return [i for i in out if i["state"] in ("pending", "invalid")] if pending_only else out


def revoke_invitation(db, actor: Actor, invitation_id: str) -> None:
    """Deleting the row makes the link unknown (404) at once."""
    users.require_manager(actor, "revoking an invitation")
    invitation_id = fields.ident("invitation_id", invitation_id)
    with db.write() as tx:
        row = tx.conn.execute(select(invitations).where(invitations.c.id == invitation_id)).first()
        if row is None:
            raise NotFound("invitation", invitation_id)
        users.check_may_grant(actor, row.role)
        tx.conn.execute(invitations.delete().where(invitations.c.id == row.id))
        audit.record_workspace(
            tx,
            actor,
            "invitation.revoke",
            "invitation",
            row.id,
            detail={"email": row.email, "role": row.role},
        )


def _lookup(conn, raw):
    row = secrets.lookup(conn, invitations, raw, prefix=PREFIX)
    if row is None:
        raise NotFound("invitation")
    if row.used_at is not None:
        raise Gone("this invitation was already used; sign in instead", reason="used")
    if aware(row.expires_at) <= now():
        raise Gone("this invitation has expired; ask for a new link", reason="expired")
    if not _creator_may_still_grant(conn, row):
        raise Gone(
            "the person who made this invitation may no longer grant its role; ask for a new link",
            reason="creator_lost_rights",
        )
    return row


def _creator_may_still_grant(conn, row) -> bool:
    """An invitation vouches with its creator's rights as they are now, not as they were when it was made:
    a creator since removed or demoted below admin admits no one, an admin-made owner invitation never admits."""
    if row.created_by is None:
        return False
    creator = conn.execute(
        select(users_table.c.role, users_table.c.removed_at).where(users_table.c.id == row.created_by)
    ).first()
    return creator is not None and _may_grant(creator.role, creator.removed_at, row.role)


def _may_grant(creator_role, creator_removed_at, invited_role) -> bool:
    """The one rule: a removed creator, or one below admin, grants nothing; only an owner grants owner."""
    if creator_removed_at is not None or creator_role not in users.MANAGERS:
        return False
    return creator_role == "owner" or invited_role != "owner"


def preview(db, raw) -> dict:
    """What the invite page shows before anyone signs up: the role, the email if fixed, the expiry."""
    with db.read() as conn:
        row = _lookup(conn, raw)
    return {"role": row.role, "email": row.email, "expires_at": iso(row.expires_at)}


def accept(db, raw, *, email=None, name=None, password=None) -> dict:
    """Create the account the link promises and sign it in; the link works once."""
    name = fields.text("name", name, max_len=MAX_NAME, strip=True) or None
    digest = users.hash_password(users.clean_password(password))
    with db.write() as tx:
        row = _lookup(tx.conn, raw)
        if row.email is not None:
            if email not in (None, "") and users.clean_email(email) != row.email:
                raise InvalidArgument(f"this invitation is for {row.email}", field="email")
            email = row.email
        else:
            email = users.clean_email(email)
        # Compare-and-set on used_at: two tabs accepting the same link create one account.
        claimed = tx.conn.execute(
            update(invitations)
            .where(invitations.c.id == row.id, invitations.c.used_at.is_(None))
            .values(used_at=now())
        ).rowcount
        if claimed != 1:
            raise Gone("this invitation was already used; sign in instead", reason="used")
        inviter = Actor(
            user_id=row.created_by or "system", name="invitation", role=row.role, via="invitation"
        )
        user = users.insert_user(tx, inviter, email=email, name=name, role=row.role, password_hash=digest)
        session = sessions.start_session(
            tx, Actor(user_id=user["id"], name=user["name"], role=user["role"], via="session")
        )
    return {"user": user, "session": session}
