"""REST: approvals of gated connector calls; a person approves or denies, a token never can."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, db_of
from plandesk.api.paths import API_PREFIX
from plandesk.core import approvals
from plandesk.core import models as m

router = APIRouter(prefix=API_PREFIX, tags=["approvals"])
Status = Literal[approvals.STATUSES]  # type: ignore[valid-type]


@router.get("/approvals", **returns(list[m.Approval]))
def list_approvals(
    actor: ActorDep,
    db=Depends(db_of),
    project_id: str | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    return approvals.list_approvals(db, actor, project_id=project_id, status=status, limit=limit)


@router.get("/approvals/{approval_id}", **returns(m.Approval))
def get_approval(approval_id: str, actor: ActorDep, db=Depends(db_of)):
    return approvals.get_approval(db, actor, approval_id)


@router.post("/approvals/{approval_id}/approve", **returns(m.Approval))
def approve(approval_id: str, actor: ActorDep, db=Depends(db_of)):
    return approvals.decide_approval(db, actor, approval_id, approve=True)


@router.post("/approvals/{approval_id}/deny", **returns(m.Approval))
def deny(approval_id: str, actor: ActorDep, db=Depends(db_of)):
    return approvals.decide_approval(db, actor, approval_id, approve=False)
