"""Page: a project's trash (deleted tasks, documents, notes and goals, restorable for 30 days; rules in core/trash.py)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from plandesk.core import trash
from plandesk.core.clock import now
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
KIND_WORDS = {"task": "Task", "document": "Document", "note": "Note", "goal": "Goal"}


@router.get("/projects/{project_id}/trash")
@page
def trash_page(request: Request, project_id: str) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="trash", title="Trash")
    items = trash.list_trash(db, actor, project_id)["items"]
    today = now()
    for item in items:
        item["kind_word"] = KIND_WORDS.get(item["item_type"], item["item_type"])
        left = (datetime.fromisoformat(item["purge_after"]) - today).days
        item["days_left"] = max(left, 0)
    can_restore = actor.token_id is None and actor.can_write and actor.role in trash.RESTORERS
    ctx.update(items=items, can_restore=can_restore, retention_days=trash.RETENTION.days)
    return render(request, "trash.html", ctx)
