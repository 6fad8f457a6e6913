"""REST: the trash of deleted tasks, documents, notes and goals (rules in core/trash.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep
from plandesk.api.paths import API_PREFIX
from plandesk.core import models as m
from plandesk.core import trash

router = APIRouter(prefix=API_PREFIX, tags=["trash"])


@router.get("/projects/{project_id}/trash", **returns(m.Page[m.TrashItem]))
def list_trash(project_id: str, actor: ActorDep, db: DbDep):
    """What was deleted in the project in the last 30 days, newest first."""
    return trash.list_trash(db, actor, project_id)


@router.post(
    "/trash/{trash_id}/restore",
    responses={409: {"description": "the item's id is in use again"}},
    **returns(m.Restored),
)
def restore(trash_id: str, actor: ActorDep, db: DbDep):
    """Put the item back with its links, comments and tags; `skipped` names links whose other end is gone."""
    return trash.restore(db, actor, trash_id)


@router.delete("/trash/{trash_id}", status_code=204)
def purge_one(trash_id: str, actor: ActorDep, db: DbDep):
    trash.purge_one(db, actor, trash_id)
    return Response(status_code=204)


@router.post("/projects/{project_id}/trash/purge", **returns(m.Purged))
def purge_project(
    project_id: str, actor: ActorDep, db: DbDep, older_than_days: Annotated[int | None, Query(ge=0)] = None
):
    """Empty the project's trash now, or only what is older than `older_than_days`."""
    return trash.purge_project(db, actor, project_id, older_than_days=older_than_days)
