"""REST: read-only share links for a task or a document; list and revoke them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, db_of
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.core import models as m
from plandesk.core import shares
from plandesk.core.actors import Actor
from plandesk.core.vocab import SHARE_EXPIRIES

router = APIRouter(prefix=API_PREFIX, tags=["shares"])


class ShareIn(Strict):
    expires: Literal[SHARE_EXPIRIES] | None = None  # type: ignore[valid-type]


def _create(request: Request, actor: Actor, target_type: str, target_id: str, body: ShareIn | None) -> dict:
    db = request.app.state.db
    share = shares.create_share(db, actor, target_type, target_id, expires=body.expires if body else None)
    return shares.with_urls(share, request.app.state.settings, str(request.base_url))


@router.post("/tasks/{task_id}/share", status_code=201, **returns(m.ShareLink))
def share_task(task_id: str, request: Request, actor: ActorDep, body: ShareIn | None = None):
    """A link anyone can read without signing in: `url` (a clean page) and `markdown_url` (for agents)."""
    return _create(request, actor, "task", task_id, body)


@router.post("/documents/{document_id}/share", status_code=201, **returns(m.ShareLink))
def share_document(document_id: str, request: Request, actor: ActorDep, body: ShareIn | None = None):
    return _create(request, actor, "document", document_id, body)


@router.get("/tasks/{task_id}/shares", **returns(list[m.Share]))
def task_shares(task_id: str, actor: ActorDep, db=Depends(db_of)):
    return shares.list_shares(db, actor, "task", task_id)


@router.get("/documents/{document_id}/shares", **returns(list[m.Share]))
def document_shares(document_id: str, actor: ActorDep, db=Depends(db_of)):
    return shares.list_shares(db, actor, "document", document_id)


@router.delete("/shares/{share_id}", status_code=204)
def revoke_share(share_id: str, actor: ActorDep, db=Depends(db_of)):
    """The link answers 410 from the next request on."""
    shares.revoke_share(db, actor, share_id)
    return Response(status_code=204)
