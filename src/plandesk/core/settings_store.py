"""Writing one workspace setting (table workspace_settings, one JSON value per key) with its audit line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from plandesk.core import audit, fields
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, now
from plandesk.core.errors import Forbidden
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
    audit.record_workspace(tx, actor, action, "settings", key, changed_fields=changed, detail=detail)
    return ts


# ----- who may change workspace settings: one rule for the writes and for the pages that offer them -----

SETTINGS_ROLES = ("owner", "admin")


def may_change_settings(actor: Actor) -> bool:
    """Owners and admins, as people: never through a token (a token that could change the rules it is held
    to could lift them). Pages ask this to offer a form or show it read only; writes require_settings_person."""
    return actor.token_id is None and actor.role in SETTINGS_ROLES


def require_settings_person(actor: Actor, *, what: str, token_refusal: str, permission: str = "role") -> None:
    """Refuse a token with `token_refusal` (under `permission`), then anyone but an owner or admin."""
    if actor.token_id is not None:
        raise Forbidden(token_refusal, permission=permission)
    actor.require_role(*SETTINGS_ROLES, what=what)


# ----- settings made of on/off flags (MCP ?token=, task rules): one shape, one rule for who may change them -----


def load_flags(conn, key: str, defaults: dict[str, bool]) -> tuple[dict[str, bool], datetime | None]:
    """The stored flags under `key` over their defaults, and when they were last changed (None: never)."""
    row = conn.execute(select(workspace_settings).where(workspace_settings.c.key == key)).first()
    if row is None:
        return dict(defaults), None
    value = row.value if isinstance(row.value, dict) else {}
    return {k: bool(value.get(k, d)) for k, d in defaults.items()}, row.updated_at


def read_flags(db, key: str, defaults: dict[str, bool]) -> dict:
    with db.read() as conn:
        value, updated_at = load_flags(conn, key, defaults)
    return {**value, "updated_at": iso(updated_at)}


def update_flags(
    db, actor: Actor, key: str, defaults: dict[str, bool], data, *, action: str, noun: str
) -> dict:
    """Owners and admins, as people: never through a token (an agent must not lift a rule it is held to).
    Unknown names are refused; only the flags that really change are stored and audited."""
    require_settings_person(
        actor,
        what=f"changing {noun}",
        token_refusal=f"{noun} cannot be changed with a token; use the UI, the CLI or a signed-in session",
    )
    if not isinstance(data, dict):
        data = {}
    fields.reject_unknown(data, defaults)
    changes = {}
    for name in defaults:
        if name in data:
            flag = fields.flag(name, data[name])
            if flag is not None:
                changes[name] = flag
    with db.write() as tx:
        value, updated_at = load_flags(tx.conn, key, defaults)
        merged = {**value, **changes}
        changed = sorted(k for k in changes if value.get(k) != merged[k])
        if changed:
            updated_at = save(
                tx, actor, key, merged, action, changed=changed, detail={k: merged[k] for k in changed}
            )
    return {**merged, "updated_at": iso(updated_at)}
