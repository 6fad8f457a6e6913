"""The callers behind tokens, remembered per process and dropped the moment any token or user changes.

Every entry carries the auth change counter (schema.auth_changes) it was resolved under. Triggers bump the
counter in the transaction that revokes, rotates, re-scopes or deletes a token, or changes or removes a
user, and every request reads it first (Database.auth_changes: one indexed read on a connection of its own),
so a change made by any process applies on the very next call in every process. Expiry is checked against
the clock on every hit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from plandesk.core.actors import Actor

_MAX_ENTRIES = 10_000


@dataclass
class Resolved:
    changes: int
    actor: Actor
    expires_at: datetime | None
    last_used_at: datetime | None


class ResolvedTokens:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], Resolved] = {}
        self._lock = threading.Lock()

    def get(self, db_url: str, digest: str, changes: int) -> Resolved | None:
        entry = self._entries.get((db_url, digest))
        if entry is None or entry.changes != changes:
            return None
        return entry

    def put(self, db_url: str, digest: str, entry: Resolved) -> None:
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()  # rare (ten thousand live tokens in one process); a refill is cheap
            self._entries[(db_url, digest)] = entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


resolved = ResolvedTokens()
