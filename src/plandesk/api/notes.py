"""REST: notes, a project's working memory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import current_actor, db_of
from plandesk.api.models import Strict
from plandesk.core import models as m
from plandesk.core import notes, vocab
from plandesk.core.actors import Actor
from plandesk.db.engine import Database

router = APIRouter(tags=["notes"])
ActorDep = Annotated[Actor, Depends(current_actor)]
DbDep = Annotated[Database, Depends(db_of)]
Limit = Annotated[int | None, Query(ge=1, le=vocab.MAX_LIST_LIMIT)]


# The core checks the body's length: the shared validation handler cannot name a field called "body".
class NoteIn(Strict):
    title: str = Field(min_length=1, max_length=vocab.MAX_LABEL)
    body: str | None = None


class NotePatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=vocab.MAX_LABEL)
    body: str | None = None
    version: int | None = Field(default=None, ge=1)


@router.get("/projects/{project_id}/notes", **returns(m.Page[m.Note]))
def list_notes(
    project_id: str,
    actor: ActorDep,
    db: DbDep,
    verbose: bool = False,
    limit: Limit = None,
    cursor: str | None = None,
):
    return notes.list_notes(db, actor, project_id, verbose, limit=limit, cursor=cursor)


@router.post("/projects/{project_id}/notes", status_code=201, **returns(m.Note))
def create_note(project_id: str, body: NoteIn, actor: ActorDep, db: DbDep):
    return notes.create_note(db, actor, project_id, body.data())


@router.get("/notes/{note_id}", **returns(m.Note))
def get_note(note_id: str, actor: ActorDep, db: DbDep):
    return notes.get_note(db, actor, note_id)


@router.patch("/notes/{note_id}", **returns(m.Note))
def update_note(note_id: str, body: NotePatch, actor: ActorDep, db: DbDep):
    return notes.update_note(db, actor, note_id, body.data())


@router.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: str, actor: ActorDep, db: DbDep):
    # The trash item's id lets the caller undo at once (POST /trash/{id}/restore).
    return Response(status_code=204, headers={"X-Trash-Item": notes.delete_note(db, actor, note_id)})
