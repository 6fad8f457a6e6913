"""Writing one workspace setting (table workspace_settings, one JSON value per key) with its audit line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from plandesk.core import audit
from plandesk.core.actors import Actor
from plandesk.core.clock import now
from plandesk.db.engine import Tx
from plandesk.db.schema import workspace_settings


def save(
    tx: Tx, actor: Actor, key: str, value: dict, action: str, *, changed: list[str], detail: dict
) -> datetime:
    """Store `value` under `key` (inserting the row the first time) and audit `action`; returns the time."""
    ts = now()
    exists = tx.conn.execute(select(workspace_settings.c.key).where(workspace_settings.c.key == key)).first()
    if exists is None:
        tx.conn.execute(workspace_settings.insert().values(key=key, value=value, updated_at=ts))
    else:
        tx.conn.execute(
            update(workspace_settings)
            .where(workspace_settings.c.key == key)
            .values(value=value, updated_at=ts)
        )
    audit.record(
        tx,
        actor,
        action,
        project_id=None,
        target_type="settings",
        target_id=key,
        changed_fields=changed,
        detail=detail,
    )
    return ts
