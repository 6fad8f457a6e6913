"""Request → actor: the one place REST and pages learn who is calling, and the dependency aliases every
router declares its parameters with (written once here, not per router)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from plandesk.core import access
from plandesk.core.actors import Actor
from plandesk.core.vocab import MAX_LIST_LIMIT
from plandesk.db.engine import Database


def db_of(request: Request):
    return request.app.state.db


def current_actor(request: Request) -> Actor:
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    actor = access.actor_for_http(
        request.app.state.db,
        request.app.state.settings,
        headers=request.headers,
        client_host=request.client.host if request.client else None,
        cookies=request.cookies,
        query_token=None,
    )
    request.state.actor = actor
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]
DbDep = Annotated[Database, Depends(db_of)]
# A page size as every list takes it: 1 … the core's maximum.
Limit = Annotated[int | None, Query(ge=1, le=MAX_LIST_LIMIT)]
