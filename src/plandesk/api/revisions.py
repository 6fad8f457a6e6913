"""REST: the revision history of tasks and documents, a prior snapshot, and restoring it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep
from plandesk.api.paths import API_PREFIX
from plandesk.core import models as m
from plandesk.core import revisions, vocab

router = APIRouter(prefix=API_PREFIX, tags=["revisions"])
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
    return {
        "items": revisions.list_revisions(
            db, actor, target_type, target_id, limit=limit, project_id=project_id
        )
    }


@router.get("/revisions/{revision_id}", **returns(m.Revision))
def get_revision(revision_id: str, actor: ActorDep, db: DbDep):
    return revisions.get_revision(db, actor, revision_id)


@router.post("/revisions/{revision_id}/restore", **returns(m.Task | m.DocumentDetail))
def restore_revision(revision_id: str, actor: ActorDep, db: DbDep):
    return revisions.restore_revision(db, actor, revision_id)
