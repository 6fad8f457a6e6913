"""REST: workspace settings; the code connector's permission matrix and approval list."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.api.setting_routes import setting_routes
from plandesk.connector import sandbox
from plandesk.core import models as m
from plandesk.core import permissions, sandbox_mode, vocab

router = APIRouter(prefix=API_PREFIX, tags=["settings"])
Operation = Literal[vocab.CONNECTOR_OPERATIONS]  # type: ignore[valid-type]
Role = Literal[vocab.ROLES]  # type: ignore[valid-type]


class PermissionsIn(Strict):
    matrix: dict[Role, list[Operation]] | None = None
    approval_required: list[Operation] | None = None


setting_routes(
    router,
    "/settings/permissions",
    m.Permissions,
    permissions.get_permissions,
    permissions.put_permissions,
    PermissionsIn,
)


class SandboxIn(Strict):
    unsandboxed: bool


@router.get("/settings/sandbox", **returns(m.Sandbox))
def get_sandbox(actor: ActorDep, db: DbDep):
    """Whether connector programs may run without bubblewrap, and whether bubblewrap is installed here."""
    return {
        "unsandboxed": sandbox_mode.unsandboxed_allowed(db),
        "sandbox_available": sandbox.bwrap_path() is not None,
    }


@router.put("/settings/sandbox", **returns(m.Sandbox))
def put_sandbox(body: SandboxIn, actor: ActorDep, db: DbDep):
    result = sandbox_mode.set_unsandboxed(db, actor, body.unsandboxed)
    return {**result, "sandbox_available": sandbox.bwrap_path() is not None}
