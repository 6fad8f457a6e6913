"""Users of the workspace: the local owner created by init, people with a role and an argon2 password."""

from __future__ import annotations

import functools
import re
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Row, func, select, update

from plandesk.core import audit, fields
from plandesk.core import sessions as browser_sessions
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import Conflict, Forbidden, InvalidArgument, NotFound, Unauthorized
from plandesk.core.vocab import MAX_NAME, ROLES
from plandesk.db.engine import Tx
from plandesk.db.schema import api_tokens, sessions, users

LOCAL_OWNER_NAME = "Local owner"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MANAGERS = ("owner", "admin")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")
# argon2id at the library's recommended cost (0.2 s of CPU a hash or a check). The test suite gives the servers
# it runs in-process a cheaper argon2id (tests/conftest.py); the servers it starts as processes keep this one.
password_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against a fixed hash when the email is unknown keeps sign-in time the same either way.
    Made on first use: hashing costs tens of milliseconds that every CLI start would otherwise pay."""
    return password_hasher.hash("plandesk: no such user")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return password_hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def clean_email(value) -> str:
    email = fields.required_text("email", value, max_len=320, strip=True).lower()
    if not _EMAIL.fullmatch(email):
        raise InvalidArgument(f"email {email[:60]!r} is not an email address", field="email")
    return email


def clean_password(value) -> str:
    password = fields.required_text("password", value, max_len=MAX_PASSWORD)
    if len(password) < MIN_PASSWORD:
        raise InvalidArgument(f"password must be at least {MIN_PASSWORD} characters", field="password")
    return password


def to_dict(row) -> dict:
    return {
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "has_password": row.password_hash is not None,
        "created_at": iso(row.created_at),
        "removed_at": iso(row.removed_at),
    }


def _first_owner(conn):
    """The workspace's earliest owner still in it (the local owner on a loopback workspace), or None."""
    return conn.execute(
        select(users)
        .where(users.c.role == "owner", users.c.removed_at.is_(None))
        .order_by(users.c.created_at)
        .limit(1)
    ).first()


def ensure_local_owner(db) -> dict:
    """init creates one owner so that a fresh workspace works with no sign-in on loopback."""
    with db.write() as tx:
        row = _first_owner(tx.conn)
        if row is None:
            uid = new_id()
            ts = now()
            tx.conn.execute(
                users.insert().values(
                    id=uid, email=None, name=LOCAL_OWNER_NAME, role="owner", created_at=ts, updated_at=ts
                )
            )
            row = tx.conn.execute(select(users).where(users.c.id == uid)).first()
        return {"id": row.id, "name": row.name, "role": row.role, "email": row.email}


def local_owner_actor(db) -> Actor:
    with db.read() as conn:
        row = _first_owner(conn)
    if row is None:
        owner = ensure_local_owner(db)
        return Actor(user_id=owner["id"], name=owner["name"], role="owner")
    return Actor(user_id=row.id, name=row.name, role=row.role)


# Local mode's two questions (how many active users; who is the first owner) in one read.
_LOCAL_STATE = (
    "SELECT (SELECT count(*) FROM users WHERE removed_at IS NULL), id, name FROM users "
    "WHERE role = 'owner' AND removed_at IS NULL ORDER BY created_at LIMIT 1"
)


def local_actor(db) -> Actor | None:
    """The caller in local mode (one active user), or None when the workspace has more than one user.

    One statement on the database's autocommit counter connection (no pool checkout, no transaction), read
    fresh on every request, so a new user ends local mode on the very next call in every process."""
    row = db.counter_read(_LOCAL_STATE)
    if row is None:  # no owner yet (local_owner_actor makes one), or the read failed: the ordinary path
        return local_owner_actor(db) if active_user_count(db) <= 1 else None
    active, owner_id, owner_name = row
    if active > 1:
        return None
    return Actor(user_id=owner_id, name=owner_name, role="owner")


def active_user_count(db) -> int:
    with db.read() as conn:
        return conn.execute(
            select(func.count()).select_from(users).where(users.c.removed_at.is_(None))
        ).scalar_one()


def get_user_row(conn, user_id: str):
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound("user", user_id)
    return row


def commit_author(db, actor: Actor) -> tuple[str, str]:
    """(name, email) for a commit made through Plan Desk: the person, marked as acting through us; a member
    without an email gets an address under a reserved domain, so git never falls back to the server's own."""
    with db.read() as conn:
        row = conn.execute(select(users.c.email).where(users.c.id == actor.user_id)).first()
    email = row.email if row is not None and row.email else f"{actor.user_id}@users.plandesk.invalid"
    return f"{actor.name} (via Plan Desk)", email


def require_manager(actor: Actor, what: str) -> None:
    actor.require_write(what)
    if actor.token_id is not None:
        # Membership is a person's decision: an agent's token never adds, promotes or removes people.
        raise Forbidden(f"{what} is done by a signed-in person, not through a token", permission="role")
    actor.require_role(*MANAGERS, what=what)


def check_may_grant(actor: Actor, role: str, *, current: str | None = None) -> None:
    """Admins manage members and viewers; only owners make or change owners."""
    if actor.role == "owner":
        return
    if role == "owner" or current == "owner":
        raise Forbidden("only an owner can grant, change or remove the owner role", permission="role")


def _active_owners(conn) -> int:
    return conn.execute(
        select(func.count()).select_from(users).where(users.c.role == "owner", users.c.removed_at.is_(None))
    ).scalar_one()


def insert_user(
    tx: Tx, actor: Actor, *, email: str, name: str | None, role: str, password_hash: str | None
) -> dict:
    """Create (or bring back a removed) user inside the caller's transaction."""
    existing = tx.conn.execute(select(users).where(users.c.email == email)).first()
    ts = now()
    name = name or email.split("@")[0]
    if existing is not None and existing.removed_at is None:
        raise Conflict(f"a user with email {email} already exists", field="email")
    # A removed user brought back gets the same account fields a new one is created with.
    account = {"name": name, "role": role, "password_hash": password_hash, "updated_at": ts}
    if existing is not None:
        uid = existing.id
        tx.conn.execute(update(users).where(users.c.id == uid).values(**account, removed_at=None))
    else:
        uid = new_id()
        tx.conn.execute(users.insert().values(id=uid, email=email, created_at=ts, **account))
    audit.record_workspace(tx, actor, "user.create", "user", uid, detail={"email": email, "role": role})
    return to_dict(get_user_row(tx.conn, uid))


def create_user(db, actor: Actor, *, email, role, name=None, password=None) -> dict:
    require_manager(actor, "adding a user")
    email = clean_email(email)
    role = fields.choice("role", role, ROLES, required=True)
    name = fields.text("name", name, max_len=MAX_NAME, strip=True) or None
    check_may_grant(actor, role)
    digest = hash_password(clean_password(password)) if password is not None else None
    with db.write() as tx:
        return insert_user(tx, actor, email=email, name=name, role=role, password_hash=digest)


def list_users(db, actor: Actor, *, include_removed: bool = False) -> list[dict]:
    q = select(users).order_by(users.c.created_at)
    if not include_removed:
        q = q.where(users.c.removed_at.is_(None))
    with db.read() as conn:
        return [to_dict(r) for r in conn.execute(q).all()]


def find_by_email(db, email: str) -> dict:
    email = clean_email(email)
    with db.read() as conn:
        row = conn.execute(select(users).where(users.c.email == email, users.c.removed_at.is_(None))).first()
    if row is None:
        raise NotFound("user", email)
    return to_dict(row)


def _load_active(conn, user_id) -> Row[Any]:
    user_id = fields.ident("user_id", user_id)
    row = get_user_row(conn, user_id)
    if row.removed_at is not None:
        raise NotFound("user", user_id)
    return row


def change_role(db, actor: Actor, user_id: str, role: str) -> dict:
    """Takes effect on the next request everywhere: every request reads the role from the database."""
    require_manager(actor, "changing a role")
    role = fields.choice("role", role, ROLES, required=True)
    with db.write() as tx:
        row = _load_active(tx.conn, user_id)
        check_may_grant(actor, role, current=row.role)
        if row.role == "owner" and role != "owner" and _active_owners(tx.conn) <= 1:
            raise Conflict("this is the last owner; make someone else owner first", field="role")
        if row.role != role:
            tx.conn.execute(update(users).where(users.c.id == row.id).values(role=role, updated_at=now()))
            audit.record_workspace(
                tx,
                actor,
                "user.role",
                "user",
                row.id,
                changed_fields=["role"],
                detail={"from": row.role, "to": role},
            )
        return to_dict(get_user_row(tx.conn, row.id))


def remove_user(db, actor: Actor, user_id: str) -> dict:
    """Remove a person: every token they own is revoked and every session ends, in one transaction."""
    require_manager(actor, "removing a user")
    with db.write() as tx:
        row = _load_active(tx.conn, user_id)
        if row.id == actor.user_id:
            raise Conflict("you cannot remove yourself; ask another owner or admin", field="user_id")
        check_may_grant(actor, row.role, current=row.role)
        if row.role == "owner" and _active_owners(tx.conn) <= 1:
            raise Conflict("this is the last owner; make someone else owner first", field="user_id")
        ts = now()
        revoked = tx.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == row.id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=ts)
        ).rowcount
        ended = tx.conn.execute(sessions.delete().where(sessions.c.user_id == row.id)).rowcount
        tx.conn.execute(update(users).where(users.c.id == row.id).values(removed_at=ts, updated_at=ts))
        audit.record_workspace(
            tx,
            actor,
            "user.remove",
            "user",
            row.id,
            detail={"email": row.email, "tokens_revoked": revoked, "sessions_ended": ended},
        )
        return {**to_dict(get_user_row(tx.conn, row.id)), "tokens_revoked": revoked, "sessions_ended": ended}


def set_password(db, actor: Actor, user_id: str, password: str, *, keep_session: str | None = None) -> dict:
    """People set their own password; owners and admins may reset someone else's.

    Every other session of that person ends in the same transaction: a password is changed because someone
    else may know it, and whoever signed in with the old one must not stay signed in. `keep_session` (the raw
    cookie of the person changing their own password) is rotated: it ends too, and the answer's `session` is
    the fresh one that replaces it (the caller sets its cookie), so a copy of the old cookie is worthless.
    """
    if actor.read_only:  # a viewer may change their own password: it is their account, not the plan
        actor.require_write("setting a password")
    password = clean_password(password)
    with db.write() as tx:
        row = _load_active(tx.conn, user_id)
        if row.id != actor.user_id:
            require_manager(actor, "setting someone else's password")
            check_may_grant(actor, row.role, current=row.role)
            keep_session = None
        tx.conn.execute(
            update(users)
            .where(users.c.id == row.id)
            .values(password_hash=hash_password(password), updated_at=now())
        )
        ended = browser_sessions.end_sessions(tx, row.id, keep=keep_session)
        session = browser_sessions.rotate(tx, actor, keep_session)
        audit.record_workspace(
            tx,
            actor,
            "user.password",
            "user",
            row.id,
            detail={"sessions_ended": ended, "session_rotated": session is not None},
        )
        return {**to_dict(get_user_row(tx.conn, row.id)), "sessions_ended": ended, "session": session}


def change_own_password(db, actor: Actor, *, current: str, new: str, keep_session: str | None) -> dict:
    """A signed-in person changes their password by proving the current one (a borrowed session alone
    must not be enough to lock its owner out)."""
    if actor.token_id is not None:
        raise Forbidden(
            "a password is changed by its person, signed in, not through a token", permission="role"
        )
    with db.read() as conn:
        row = _load_active(conn, actor.user_id)
    if not verify_password(row.password_hash, current if isinstance(current, str) else ""):
        raise Unauthorized("the current password is wrong", reason="invalid_credentials")
    return set_password(db, actor, actor.user_id, new, keep_session=keep_session)


def authenticate_password(db, email, password) -> Actor:
    """Email + password → Actor, or one Unauthorized for every failure (no hint which part was wrong)."""
    failure = Unauthorized("wrong email or password", reason="invalid_credentials")
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        raise failure
    with db.read() as conn:
        row = conn.execute(
            select(users).where(users.c.email == email.strip().lower(), users.c.removed_at.is_(None))
        ).first()
    if not verify_password(row.password_hash if row is not None else None, password) or row is None:
        raise failure
    return Actor(user_id=row.id, name=row.name, role=row.role, via="session")
