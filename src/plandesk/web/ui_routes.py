"""Small JSON and redirect routes the pages use: Markdown preview, and links to a comment's target."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from plandesk.api.deps import current_actor
from plandesk.core import comments, fields
from plandesk.core.vocab import MAX_BODY
from plandesk.web import markdown
from plandesk.web.rendering import page

router = APIRouter(include_in_schema=False)


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_BODY)


@router.post("/ui/preview")
def preview(body: PreviewIn, request: Request) -> dict:
    """The editor's Preview tab: the same rendering and sanitising as saved bodies."""
    current_actor(request)  # signed-in people only: not an open rendering service
    text = fields.text("text", body.text, max_len=MAX_BODY) or ""
    return {"html": markdown.to_safe_html(text)}


@router.get("/comments/{comment_id}")
@page
def comment_target(request: Request, comment_id: str) -> Response:
    """Search hits for comments open the page of what the comment is on."""
    db = request.app.state.db
    comment = comments.get_comment(db, current_actor(request), comment_id)
    base = f"/projects/{comment['project_id']}"
    target = {
        "task": f"{base}/board?task={comment['target_id']}",
        "document": f"{base}/documents/{comment['target_id']}",
        "note": f"{base}/notes/{comment['target_id']}",
    }.get(comment["target_type"], base)
    return RedirectResponse(target, status_code=303)
