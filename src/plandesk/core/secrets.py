"""Every secret Plan Desk hands out, made, stored and checked one way.

API tokens, share links, invitation links, session cookies and OAuth codes, access and refresh tokens are
random values shown once; the database keeps only their SHA-256 (a stolen database opens nothing). A
presented value is looked up by that hash, and the hash is compared again in constant time so that the
equality itself leaks nothing. The modules that own each kind of secret (tokens, shares, invitations,
sessions, oauth) decide what a found row means; how a value is minted, hashed and matched lives here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _random  # the standard library's CSPRNG; this module shares its name
from typing import Any, TypeGuard

from sqlalchemy import Row, Table, select

from plandesk.core.clock import aware, now

# Longer than any value we mint; anything longer is not ours and is not even hashed.
MAX_LENGTH = 200


def digest(raw: str) -> str:
    """What is stored for a secret: its SHA-256 in hex."""
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def mint(prefix: str = "") -> str:
    """A fresh secret: 32 random bytes, URL-safe, behind a prefix that says what kind of secret it is."""
    return prefix + _random.token_urlsafe(32)


def shown_part(raw: str, prefix: str) -> str:
    """What may be stored and shown of a secret to recognise it by: its prefix and six characters more."""
    return raw[: len(prefix) + 6]


def random_id(nbytes: int = 24) -> str:
    """A random, unguessable id that is not a credential itself (e.g. a pending OAuth request)."""
    return _random.token_urlsafe(nbytes)


def random_hex(nbytes: int = 32) -> str:
    return _random.token_hex(nbytes)


def well_formed(raw: Any, prefix: str = "") -> TypeGuard[str]:
    """A value that may be one of ours: a non-empty string of a sane length with the kind's prefix."""
    return isinstance(raw, str) and bool(raw) and raw.startswith(prefix) and len(raw) <= MAX_LENGTH


def matches(stored: str | None, presented: str | None) -> bool:
    """Two secrets (or their hashes) are equal, compared in constant time; a missing one matches nothing."""
    if not stored or not presented:
        return False
    return hmac.compare_digest(stored.encode("utf-8", "replace"), presented.encode("utf-8", "replace"))


def lookup(conn, table: Table, raw: Any, *, prefix: str = "", column: str = "token_hash") -> Row[Any] | None:
    """The row of `table` whose `column` holds the hash of `raw`, or None (malformed or unknown value)."""
    if not well_formed(raw, prefix):
        return None
    presented = digest(raw)
    row = conn.execute(select(table).where(table.c[column] == presented)).first()
    if row is None or not matches(getattr(row, column), presented):
        return None
    return row


def state_of(row) -> str:
    """'revoked', 'expired' or 'active': a revocable secret with an optional expiry (tokens, share links)."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and aware(row.expires_at) <= now():
        return "expired"
    return "active"


def mac(key: bytes, message: str) -> bytes:
    """HMAC-SHA-256 of `message` under `key` (CSRF tokens bound to a session)."""
    return hmac.new(key, message.encode(), hashlib.sha256).digest()
