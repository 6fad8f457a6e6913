"""The code connector's permission rules: the workspace role × operation matrix, token narrowing, the switch."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from plandesk.core import fields, settings_store
from plandesk.core.actors import Actor
from plandesk.core.errors import Forbidden, InvalidArgument, NotFound
from plandesk.core.vocab import CONNECTOR_OPERATIONS, ROLES
from plandesk.db.schema import projects, workspace_settings

SETTINGS_KEY = "permissions"
# Reads change nothing on disk, in git or in a database; everything else does, so read-only tokens stop there.
READ_OPERATIONS = ("code.search", "code.read", "git.read", "db.read")
WRITE_OPERATIONS = tuple(op for op in CONNECTOR_OPERATIONS if op not in READ_OPERATIONS)

# Safe defaults: owners and admins hold everything; members too, but the three operations that reach past
# the working tree (a push, a deploy, a database write) wait for a person's approval; viewers only look.
DEFAULT_MATRIX: dict[str, list[str]] = {
    "owner": list(CONNECTOR_OPERATIONS),
    "admin": list(CONNECTOR_OPERATIONS),
    "member": list(CONNECTOR_OPERATIONS),
    "viewer": ["code.search", "code.read", "git.read"],
}
DEFAULT_APPROVAL_REQUIRED = ["deploy", "git.push", "db.write"]


@dataclass(frozen=True)
class Decision:
    """The answer of authorize(): allowed or not, why, and whether a person must approve first."""

    allowed: bool
    operation: str
    project_id: str
    needs_approval: bool = False
    permission: str | None = None  # what is missing when refused
    reason: str = ""
    config: dict = field(default_factory=dict, compare=False, repr=False)

    def require(self) -> Decision:
        if not self.allowed:
            raise Forbidden(self.reason, permission=self.permission, operation=self.operation)
        return self


def _ordered(ops) -> list[str]:
    return [op for op in CONNECTOR_OPERATIONS if op in set(ops)]


def load_permissions(conn) -> dict:
    row = conn.execute(
        select(workspace_settings.c.value).where(workspace_settings.c.key == SETTINGS_KEY)
    ).first()
    stored = row.value if row is not None and isinstance(row.value, dict) else {}
    matrix = {role: _ordered(DEFAULT_MATRIX[role]) for role in ROLES}
    for role, ops in (stored.get("matrix") or {}).items():
        if role in matrix and isinstance(ops, list):
            matrix[role] = _ordered(ops)
    # The owner always keeps every operation, so nobody can lock the workspace out of its own settings.
    matrix["owner"] = list(CONNECTOR_OPERATIONS)
    approval = stored.get("approval_required", DEFAULT_APPROVAL_REQUIRED)
    return {"matrix": matrix, "approval_required": _ordered(approval if isinstance(approval, list) else [])}


def _clean(data) -> dict:
    if not isinstance(data, dict):
        raise InvalidArgument("the permissions must be an object {matrix, approval_required}", field="matrix")
    fields.reject_unknown(data, ("matrix", "approval_required"))
    out: dict = {}
    if "matrix" in data:
        matrix = data["matrix"]
        if not isinstance(matrix, dict):
            raise InvalidArgument("matrix must map a role to a list of operations", field="matrix")
        for role, ops in matrix.items():
            fields.choice("matrix", role, ROLES)
            if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
                raise InvalidArgument(f"matrix.{role} must be a list of operations", field=f"matrix.{role}")
            for op in ops:
                fields.choice(f"matrix.{role}", op, CONNECTOR_OPERATIONS)
        out["matrix"] = {role: _ordered(ops) for role, ops in matrix.items()}
    if "approval_required" in data:
        ops = data["approval_required"]
        if not isinstance(ops, list):
            raise InvalidArgument("approval_required must be a list of operations", field="approval_required")
        for op in ops:
            fields.choice("approval_required", op, CONNECTOR_OPERATIONS)
        out["approval_required"] = _ordered(ops)
    return out


def get_permissions(db, actor: Actor) -> dict:
    with db.read() as conn:
        doc = load_permissions(conn)
    return {**doc, "operations": list(CONNECTOR_OPERATIONS), "roles": list(ROLES)}


def put_permissions(db, actor: Actor, data) -> dict:
    """Replace the matrix (whole rows) and/or the approval list. A person who is owner or admin only."""
    # A token that could edit the matrix could widen itself; the matrix is a person's decision.
    settings_store.require_settings_person(
        actor,
        what="changing connector permissions",
        token_refusal="permissions are changed by a person in Settings → Permissions; "
        "a token cannot change them",
        permission="settings.permissions",
    )
    values = _clean(data)
    with db.write() as tx:
        current = load_permissions(tx.conn)
        matrix = {**current["matrix"], **values.get("matrix", {})}
        matrix["owner"] = list(CONNECTOR_OPERATIONS)
        doc = {
            "matrix": matrix,
            "approval_required": values.get("approval_required", current["approval_required"]),
        }
        changed = sorted(k for k in ("matrix", "approval_required") if doc[k] != current[k])
        settings_store.save(tx, actor, SETTINGS_KEY, doc, "settings.permissions", changed=changed, detail=doc)
    return {**doc, "operations": list(CONNECTOR_OPERATIONS), "roles": list(ROLES)}


def lacks_code_toolset(actor: Actor) -> bool:
    """A token reaches the code connector only when created with `code` or `all` (which spells out to every
    toolset); a signed-in person has no toolsets to check. The one rule REST and MCP both go through."""
    return actor.token_id is not None and not {"code", "all"} & set(actor.toolsets)


def token_ceiling(actor: Actor, role_ops) -> list[str]:
    """What a caller may use anywhere: the role's row, cut down by the token (never widened by it)."""
    if lacks_code_toolset(actor):
        return []
    ops = list(role_ops)
    if actor.operations is not None:
        ops = [op for op in ops if op in actor.operations]
    if actor.read_only:
        ops = [op for op in ops if op in READ_OPERATIONS]
    return _ordered(ops)


def allowed_operations(db, actor: Actor) -> list[str]:
    """Operations this caller may use in at least one project (used to decide which tools to list)."""
    with db.read() as conn:
        doc = load_permissions(conn)
    return token_ceiling(actor, doc["matrix"].get(actor.role, []))


def authorize(db, actor: Actor, project_id: str, operation: str) -> Decision:
    """Every check for one connector call, in one place; a refusal names what is missing."""
    fields.choice("operation", operation, CONNECTOR_OPERATIONS, required=True)
    project_id = fields.ident("project_id", project_id)
    actor.require_visible(project_id)
    from plandesk.core.connector_config import load_config

    with db.read() as conn:
        if conn.execute(select(projects.c.id).where(projects.c.id == project_id)).first() is None:
            raise NotFound("project", project_id)
        config = load_config(conn, project_id)
        doc = load_permissions(conn)

    def refuse(permission: str, reason: str) -> Decision:
        return Decision(False, operation, project_id, permission=permission, reason=reason, config=config)

    if lacks_code_toolset(actor):
        return refuse(
            "toolset:code",
            "this token was not created with the code toolset; create one with "
            "toolsets planning,code to use the code connector",
        )
    if not config["enabled"]:
        return refuse(
            "connector.enabled",
            "the code connector is off for this project; an owner or admin "
            "turns it on in Project → Settings → Code",
        )
    role_ops = doc["matrix"].get(actor.role, [])
    if operation not in role_ops:
        return refuse(
            operation,
            f"{operation} is not granted to the {actor.role} role (Settings → Permissions → Code Connector)",
        )
    if actor.operations is not None and operation not in actor.operations:
        return refuse(
            operation,
            f"this token is limited to {', '.join(_ordered(actor.operations)) or 'no'} "
            f"operations; {operation} is not among them",
        )
    if actor.read_only and operation not in READ_OPERATIONS:
        return refuse(operation, f"this token is read-only; {operation} changes things")
    # Approval guards against an agent acting on injected instructions; a person calling directly is
    # already the one deciding, so only token (agent) calls wait for it.
    needs = operation in doc["approval_required"] and actor.token_id is not None
    return Decision(True, operation, project_id, needs_approval=needs, config=config)
