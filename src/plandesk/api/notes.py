"""REST: notes, a project's working memory."""

from __future__ import annotations

from fastapi import APIRouter

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep, PageDep
from plandesk.api.item_routes import ItemRoutes
from plandesk.api.paths import API_PREFIX
from plandesk.core import models as m
from plandesk.core import notes

router = APIRouter(prefix=API_PREFIX, tags=["notes"])


@router.get("/projects/{project_id}/notes", **returns(m.Page[m.Note]))
def list_notes(project_id: str, actor: ActorDep, db: DbDep, page: PageDep, verbose: bool = False):
    return notes.list_notes(db, actor, project_id, verbose, **page)


note = ItemRoutes(router, "/notes/{note_id}", m.Note)
note.create("/projects/{project_id}/notes", notes.create_note, m.NoteIn)
note.get(notes.get_note)
note.patch(notes.update_note, m.NotePatch)
note.trash(notes.delete_note)
