"""REST: documents (links, backlinks), their folder tree, and moving documents between folders."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep, PageDep
from plandesk.api.item_routes import ItemRoutes
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.core import documents, folders
from plandesk.core import models as m

router = APIRouter(prefix=API_PREFIX, tags=["documents"])


class MoveIn(Strict):
    document_ids: list[str] = Field(min_length=1, max_length=500)
    folder_id: str | None = Field(default=None, description="null moves the documents to Unfiled")


class DocumentList(m.DocumentList):
    """The API's one list shape (items, total, next_cursor), plus the project's folder tree."""

    documents: list[m.Document] = Field(
        deprecated="Use `items`; `documents` is removed in the next release.",
        description="The same list as `items` (kept for one release).",
    )


@router.get("/projects/{project_id}/documents", **returns(DocumentList))
def list_documents(
    project_id: str,
    actor: ActorDep,
    db: DbDep,
    page: PageDep,
    folder_id: str | None = Query(default=None, description="a folder id, or `unfiled`"),
    verbose: bool = False,
):
    listed = documents.list_documents(db, actor, project_id, folder_id, verbose, **page)
    return {**listed, "items": listed["documents"]}


document = ItemRoutes(router, "/documents/{document_id}", m.DocumentDetail)
document.create("/projects/{project_id}/documents", documents.create_document, m.DocumentIn)


@router.post("/projects/{project_id}/documents/move", **returns(m.MovedDocuments))
def move_documents(project_id: str, body: MoveIn, actor: ActorDep, db: DbDep):
    return folders.move_documents(db, actor, body.document_ids, body.folder_id, project_id=project_id)


@router.get("/documents/{document_id}", **returns(m.DocumentDetail))
def get_document(document_id: str, actor: ActorDep, db: DbDep, verbose: bool = True):
    return documents.get_document(db, actor, document_id, verbose)


document.patch(documents.update_document, m.DocumentPatch)
document.trash(documents.delete_document)


@router.get("/projects/{project_id}/folders", **returns(m.FolderTree))
def list_folders(project_id: str, actor: ActorDep, db: DbDep):
    return folders.list_folders(db, actor, project_id)


folder = ItemRoutes(router, "/folders/{folder_id}", m.Folder)
folder.create("/projects/{project_id}/folders", folders.create_folder, m.FolderIn)
folder.patch(folders.update_folder, m.FolderPatch)


@router.delete("/folders/{folder_id}", status_code=204)
def delete_folder(
    folder_id: str,
    actor: ActorDep,
    db: DbDep,
    reparent_to: str | None = Query(
        default=None, description="where the folder's content goes; default: its parent, else Unfiled"
    ),
):
    folders.delete_folder(db, actor, folder_id, reparent_to)
    return Response(status_code=204)
