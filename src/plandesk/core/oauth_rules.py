"""OAuth rules: scopes, what a person may grant (never more than their role), redirect URIs, the owner's switches."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy import select

from plandesk.core import fields, settings_store
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, now
from plandesk.core.errors import InvalidArgument, NotFound
from plandesk.core.permissions import READ_OPERATIONS, load_permissions
from plandesk.core.vocab import CONNECTOR_OPERATIONS, TOOLSETS
from plandesk.db.schema import projects, workspace_settings

# read: the planning tools that look; write: the ones that change things; code: the code connector toolset.
SCOPES = ("read", "write", "code")
SETTINGS_KEY = "oauth"
DEFAULTS = {"registration_open": True, "redirect_hosts": []}
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


def scopes_of(grant: dict) -> list[str]:
    scopes = ["read"]
    if not grant["read_only"]:
        scopes.append("write")
    if "code" in grant["toolsets"]:
        scopes.append("code")
    return scopes


def narrow_grant(
    conn,
    actor: Actor,
    requested: list[str] | None,
    *,
    project_ids: list[str] | None,
    read_only: bool,
    toolsets: list[str] | None,
    operations: list[str] | None,
) -> dict:
    """The grant a person may give: cut to the scopes the client asked for and to the person's role.

    A viewer asking for write gets a read-only connection; code operations stop at the role's row of the
    permission matrix and, when read-only, at the operations that change nothing.
    """
    requested = list(requested) if requested else list(SCOPES)
    fields.flag("read_only", read_only)
    read_only = bool(read_only) or "write" not in requested or actor.role == "viewer"
    chosen_sets = (
        list(TOOLSETS)
        if toolsets is None
        else [fields.choice("toolsets", t, TOOLSETS, required=True) for t in toolsets]
    )
    if "code" not in requested:
        chosen_sets = [t for t in chosen_sets if t != "code"]
    chosen_sets = sorted(set(chosen_sets) | {"planning"})
    role_ops = load_permissions(conn)["matrix"].get(actor.role, [])
    ops = (
        list(CONNECTOR_OPERATIONS)
        if operations is None
        else [fields.choice("operations", op, CONNECTOR_OPERATIONS, required=True) for op in operations]
    )
    ops = [
        op
        for op in CONNECTOR_OPERATIONS
        if op in ops and op in role_ops and (not read_only or op in READ_OPERATIONS)
    ]
    if "code" not in chosen_sets:
        ops = []
    if project_ids is not None:
        project_ids = [fields.ident("project_ids", p) for p in project_ids] or None
        for pid in project_ids or []:
            if (
                not actor.sees(pid)
                or conn.execute(select(projects.c.id).where(projects.c.id == pid)).first() is None
            ):
                raise NotFound("project", pid, field="project_ids")
    elif actor.project_ids is not None:
        project_ids = sorted(actor.project_ids)
    return {
        "project_ids": project_ids,
        "read_only": read_only,
        "toolsets": chosen_sets,
        "operations": ops,
        "role_operations": [op for op in CONNECTOR_OPERATIONS if op in role_ops],
    }


# Redirect URIs


def is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http":
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_allowed(uri: str, redirect_hosts: list[str]) -> bool:
    """Loopback for native clients (RFC 8252 §7.3); otherwise https to a host, or a private-use scheme
    (`cursor:`), that an owner listed. Never a fragment, never plain http to another machine."""
    parts = urlsplit(uri)
    if parts.fragment:
        return False
    if is_loopback(uri):
        return True
    if parts.scheme == "https" and parts.hostname and parts.hostname.lower() in redirect_hosts:
        return True
    return (
        parts.scheme not in ("http", "https", "javascript", "data", "file")
        and f"{parts.scheme}:" in redirect_hosts
    )


def same_redirect(registered: str, requested: str) -> bool:
    """Exact match, except that a loopback redirect may come back on any port (RFC 8252 §7.3)."""
    if registered == requested:
        return True
    if not (is_loopback(registered) and is_loopback(requested)):
        return False
    a, b = urlsplit(registered), urlsplit(requested)
    return (a.scheme, a.hostname, a.path, a.query) == (b.scheme, b.hostname, b.path, b.query)


# The owner's switches (workspace_settings, key "oauth")


def registration_settings(conn) -> dict:
    row = conn.execute(select(workspace_settings).where(workspace_settings.c.key == SETTINGS_KEY)).first()
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    return {k: value.get(k, d) for k, d in DEFAULTS.items()}


def registration_open(db) -> bool:
    """Whether an app may register itself now (asked before anyone is signed in: no actor)."""
    with db.read() as conn:
        return bool(registration_settings(conn)["registration_open"])


def get_oauth_settings(db, actor: Actor) -> dict:
    with db.read() as conn:
        return registration_settings(conn)


def set_oauth_settings(db, actor: Actor, data: dict) -> dict:
    """Owners and admins: whether apps may register themselves, and which non-loopback redirect hosts are allowed."""
    settings_store.require_settings_person(
        actor, what="changing OAuth settings", token_refusal="OAuth settings cannot be changed with a token"
    )
    if not isinstance(data, dict):
        raise InvalidArgument("send an object", field="registration_open")
    fields.reject_unknown(data, DEFAULTS)
    changes: dict = {}
    if "registration_open" in data:
        flag = fields.flag("registration_open", data["registration_open"])
        if flag is not None:
            changes["registration_open"] = flag
    if "redirect_hosts" in data:
        hosts = data["redirect_hosts"]
        if not isinstance(hosts, list) or len(hosts) > 50:
            raise InvalidArgument(
                "redirect_hosts must be a list of up to 50 host names", field="redirect_hosts"
            )
        changes["redirect_hosts"] = sorted(
            {fields.required_text("redirect_hosts", h, max_len=253, strip=True).lower() for h in hosts}
        )
    with db.write() as tx:
        current = registration_settings(tx.conn)
        merged = {**current, **changes}
        changed = sorted(k for k in changes if current.get(k) != merged[k])
        if changed:
            settings_store.save(
                tx,
                actor,
                SETTINGS_KEY,
                merged,
                "settings.oauth.update",
                changed=changed,
                detail={k: merged[k] for k in changed},
            )
    return {**merged, "updated_at": iso(now()) if changed else None}
