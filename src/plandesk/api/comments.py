"""REST: comments on tasks, documents and notes; resolving, editing and deleting them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep, PageDep
from plandesk.api.item_routes import ItemRoutes
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.core import comments, vocab
from plandesk.core import models as m

router = APIRouter(prefix=API_PREFIX, tags=["comments"])
Target = Literal[vocab.COMMENT_TARGETS]  # type: ignore[valid-type]


# No min_length on `body`: the core names the field in its error, which the shared validation
# handler cannot do for a field that happens to be called "body".
class CommentIn(Strict):
    body: str = Field(max_length=comments.MAX_COMMENT)
    passage: str | None = Field(default=None, max_length=comments.MAX_PASSAGE)


class CommentPatch(Strict):
    body: str | None = Field(default=None, max_length=comments.MAX_COMMENT)
    resolved: bool | None = None


def _routes_for(target_type: str, plural: str) -> None:
    # The same pair of routes for each commentable thing: /tasks/{id}/comments, /documents/..., /notes/...
    @router.get(
        f"/{plural}/{{target_id}}/comments", name=f"list_{target_type}_comments", **returns(m.Page[m.Comment])
    )
    def list_for(target_id: str, actor: ActorDep, db: DbDep, page: PageDep, include_resolved: bool = False):
        return comments.list_comments(db, actor, None, target_type, target_id, include_resolved, **page)

    @router.post(
        f"/{plural}/{{target_id}}/comments",
        status_code=201,
        name=f"add_{target_type}_comment",
        **returns(m.Comment),
    )
    def add_to(target_id: str, body: CommentIn, actor: ActorDep, db: DbDep):
        return comments.add_comment(db, actor, target_type, target_id, body.body, body.passage)


for _type, _plural in (("task", "tasks"), ("document", "documents"), ("note", "notes")):
    _routes_for(_type, _plural)


@router.get("/projects/{project_id}/comments", **returns(m.Page[m.Comment]))
def list_project_comments(
    project_id: str,
    actor: ActorDep,
    db: DbDep,
    page: PageDep,
    target_type: Target | None = None,
    target_id: str | None = None,
    include_resolved: bool = False,
):
    return comments.list_comments(db, actor, project_id, target_type, target_id, include_resolved, **page)


comment = ItemRoutes(router, "/comments/{comment_id}", m.Comment)
comment.patch(comments.update_comment, CommentPatch)
comment.delete(comments.delete_comment)
