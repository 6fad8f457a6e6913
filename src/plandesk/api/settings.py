"""REST: workspace settings; the code connector's permission matrix and approval list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from plandesk.api.bodies import returns
from plandesk.api.deps import current_actor, db_of
from plandesk.connector import sandbox
from plandesk.core import models as m
from plandesk.core import permissions, sandbox_mode, vocab
from plandesk.core.actors import Actor

router = APIRouter(tags=["settings"])
ActorDep = Annotated[Actor, Depends(current_actor)]
Operation = Literal[vocab.CONNECTOR_OPERATIONS]  # type: ignore[valid-type]
Role = Literal[vocab.ROLES]  # type: ignore[valid-type]


class PermissionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matrix: dict[Role, list[Operation]] | None = None
    approval_required: list[Operation] | None = None


@router.get("/settings/permissions", **returns(m.Permissions))
def get_permissions(actor: ActorDep, db=Depends(db_of)):
    return permissions.get_permissions(db, actor)


@router.put("/settings/permissions", **returns(m.Permissions))
def put_permissions(body: PermissionsIn, actor: ActorDep, db=Depends(db_of)):
    return permissions.put_permissions(db, actor, body.model_dump(exclude_unset=True))


class SandboxIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unsandboxed: bool


@router.get("/settings/sandbox", **returns(m.Sandbox))
def get_sandbox(actor: ActorDep, db=Depends(db_of)):
    """Whether connector programs may run without bubblewrap, and whether bubblewrap is installed here."""
    return {
        "unsandboxed": sandbox_mode.unsandboxed_allowed(db),
        "sandbox_available": sandbox.bwrap_path() is not None,
    }


@router.put("/settings/sandbox", **returns(m.Sandbox))
def put_sandbox(body: SandboxIn, actor: ActorDep, db=Depends(db_of)):
    result = sandbox_mode.set_unsandboxed(db, actor, body.unsandboxed)
    return {**result, "sandbox_available": sandbox.bwrap_path() is not None}
