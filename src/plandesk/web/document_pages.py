"""Pages: documents (folder tree, editor with preview, links and backlinks, history with diff) and notes."""

from __future__ import annotations

import html
from collections import defaultdict

import nh3
from fastapi import APIRouter, Request
from fastapi.responses import Response

from plandesk.core import comments, documents, folders, notes, revisions
from plandesk.core.errors import NotFound
from plandesk.web import markdown
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render
from plandesk.web.text_diff import line_diff

router = APIRouter(include_in_schema=False)
HISTORY = 30


def library(db, actor, project_id: str) -> dict:
    """The left-hand tree: folders (nested) with their documents, and the unfiled ones."""
    listed = documents.list_documents(db, actor, project_id)
    by_folder: dict[str | None, list[dict]] = defaultdict(list)
    for d in listed["documents"]:
        by_folder[d["folder_id"]].append(d)
    flat: list[dict] = []

    def walk(nodes: list[dict], depth: int) -> None:
        for node in nodes:
            flat.append({"id": node["id"], "name": node["name"], "depth": depth})
            walk(node["folders"], depth + 1)

    walk(listed["folders"], 0)
    return {
        "folders": listed["folders"],
        "folder_list": flat,
        "by_folder": by_folder,
        "documents": listed["documents"],
        "total": listed["total"],
    }


def history(db, actor, target_type: str, current: dict) -> list[dict]:
    """Revisions newest first, each with what it changed against the next newer state."""
    out = []
    after = current
    for meta in revisions.list_revisions(db, actor, target_type, current["id"], limit=HISTORY):
        snap = revisions.get_revision(db, actor, meta["id"])["snapshot"]
        body_key = "body"
        diff = (
            line_diff(snap.get(body_key), after.get(body_key)) if body_key in meta["changed_fields"] else None
        )
        fields_changed = [
            {"field": f, "before": snap.get(f), "after": after.get(f)}
            for f in meta["changed_fields"]
            if f in ("title", "status_line", "folder_id", "parent_id")
        ]
        out.append({**meta, "diff": diff, "fields": fields_changed})
        after = snap
    return out


EXCERPT_SOURCE = 2000  # only the start of a long body is rendered for its card


def plain_excerpt(body: str, length: int = 160) -> str:
    """A card's excerpt: the Markdown rendered and its tags dropped, so no ** or # shows."""
    text = " ".join(html.unescape(nh3.clean(str(markdown.render(body[:EXCERPT_SOURCE])), tags=set())).split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


@router.get("/projects/{project_id}/documents")
@page
def documents_index(request: Request, project_id: str) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="documents", title="Documents")
    lib = library(db, actor, project_id)
    recent = sorted(lib["documents"], key=lambda d: d["updated_at"] or "", reverse=True)[:12]
    recent = [{**d, "excerpt": plain_excerpt(d.get("body") or "")} for d in recent]
    ctx.update(lib=lib, recent=recent, doc=None, can_write=actor.can_write)
    return render(request, "documents.html", ctx)


@router.get("/projects/{project_id}/documents/{document_id}")
@page
def document_page(request: Request, project_id: str, document_id: str) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="documents", title="Documents")
    doc = documents.get_document(db, actor, document_id)
    if doc["project_id"] != project_id:
        raise NotFound("document", document_id)
    ctx.update(
        lib=library(db, actor, project_id),
        doc=doc,
        title=doc["title"],
        can_write=actor.can_write,
        history=history(db, actor, "document", doc),
        comments=comments.list_comments(db, actor, None, "document", doc["id"], True)["items"],
        can_restore=actor.can_write,
    )
    return render(request, "document.html", ctx)


@router.get("/projects/{project_id}/notes")
@page
def notes_index(request: Request, project_id: str) -> Response:
    return _notes(request, project_id, None)


@router.get("/projects/{project_id}/notes/{note_id}")
@page
def note_page(request: Request, project_id: str, note_id: str) -> Response:
    return _notes(request, project_id, note_id)


def _notes(request: Request, project_id: str, note_id: str | None) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="notes", title="Notes")
    items = notes.list_notes(db, actor, project_id, limit=500)["items"]
    items.sort(key=lambda n: n["updated_at"] or "", reverse=True)
    note = None
    if note_id:
        note = notes.get_note(db, actor, note_id)
        if note["project_id"] != project_id:
            raise NotFound("note", note_id)
        ctx["title"] = note["title"]
    ctx.update(
        notes=items,
        note=note,
        can_write=actor.can_write,
        comments=comments.list_comments(db, actor, None, "note", note["id"], True)["items"] if note else [],
    )
    return render(request, "notes.html", ctx)


__all__ = ["folders", "router"]
