"""REST: health, search across everything, tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from plandesk import __version__
from plandesk.api.bodies import returns
from plandesk.api.deps import current_actor, db_of
from plandesk.api.lists import whole
from plandesk.api.models import TokenIn
from plandesk.core import models as m
from plandesk.core import search_service, tokens
from plandesk.core.actors import Actor

router = APIRouter()
ActorDep = Annotated[Actor, Depends(current_actor)]


@router.get("/health", tags=["system"], **returns(m.Health))
def health(request: Request):
    db = request.app.state.db
    try:
        with db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        database = "ok"
    except Exception:  # noqa: BLE001 - health answers whatever the driver raised; the status says enough
        database = "unreachable"
    return {"ok": database == "ok", "version": __version__, "database": database, "backend": db.dialect}


@router.get("/search", tags=["search"], **returns(m.SearchResults))
def search(
    actor: ActorDep,
    db=Depends(db_of),
    q: Annotated[str, Query(min_length=1, max_length=500)] = ...,
    project_id: str | None = None,
    kind: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
):
    return search_service.search(db, actor, q, project_id=project_id, kinds=kind, limit=limit)


@router.get("/tokens", tags=["tokens"], **returns(m.Page[m.Token]))
def list_tokens(actor: ActorDep, db=Depends(db_of), all_users: bool = False):
    return whole(tokens.list_tokens(db, actor, all_users=all_users))


@router.post("/tokens", status_code=201, tags=["tokens"], **returns(m.NewToken))
def create_token(body: TokenIn, actor: ActorDep, db=Depends(db_of)):
    return tokens.create_token(
        db,
        actor,
        name=body.name,
        project_ids=body.project_ids,
        read_only=body.read_only,
        expires=body.expires,
        toolsets=body.toolsets,
        operations=body.operations,
    )


@router.post("/tokens/{token_id}/revoke", tags=["tokens"], **returns(m.Token))
def revoke_token(token_id: str, actor: ActorDep, db=Depends(db_of)):
    return tokens.revoke_token(db, actor, token_id)


@router.post("/tokens/{token_id}/rotate", tags=["tokens"], **returns(m.NewToken))
def rotate_token(token_id: str, actor: ActorDep, db=Depends(db_of)):
    return tokens.rotate_token(db, actor, token_id)
