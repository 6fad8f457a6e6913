"""REST: health, search across everything, tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from plandesk import __version__
from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, db_of
from plandesk.api.lists import whole
from plandesk.api.models import TokenIn
from plandesk.api.paths import API_PREFIX
from plandesk.core import health as health_core
from plandesk.core import models as m
from plandesk.core import search_service, tokens

router = APIRouter(prefix=API_PREFIX)


@router.get("/health", tags=["system"], **returns(m.Health))
def health(request: Request):
    db = request.app.state.db
    database = health_core.database_state(db)
    return {"ok": database == "ok", "version": __version__, "database": database, "backend": db.dialect}


@router.get("/search", tags=["search"], **returns(m.SearchResults))
def search(
    actor: ActorDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    db=Depends(db_of),
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
