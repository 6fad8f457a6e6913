"""REST: the revision history of tasks and documents, a prior snapshot, and restoring it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from plandesk.api.bodies import returns
from plandesk.api.deps import current_actor, db_of
from plandesk.core import models as m
from plandesk.core import projects, revisions, vocab
from plandesk.core.actors import Actor
from plandesk.db.engine import Database

router = APIRouter(tags=["revisions"])
ActorDep = Annotated[Actor, Depends(current_actor)]
DbDep = Annotated[Database, Depends(db_of)]
Target = Literal[vocab.REVISION_TARGETS]  # type: ignore[valid-type]


@router.get("/projects/{project_id}/revisions", **returns(m.RevisionList))
def list_revisions(
    project_id: str,
    actor: ActorDep,
    target_type: Target,
    target_id: str,
    db: DbDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    with db.read() as conn:
        pid = projects.load(conn, actor, project_id).id
    items = revisions.list_revisions(db, actor, target_type, target_id, limit=limit)
    return {"items": [r for r in items if r["project_id"] == pid]}


@router.get("/revisions/{revision_id}", **returns(m.Revision))
def get_revision(revision_id: str, actor: ActorDep, db: DbDep):
    return revisions.get_revision(db, actor, revision_id)


@router.post("/revisions/{revision_id}/restore", **returns(m.Task | m.DocumentDetail))
def restore_revision(revision_id: str, actor: ActorDep, db: DbDep):
    return revisions.restore_revision(db, actor, revision_id)
