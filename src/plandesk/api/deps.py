"""Request → actor: the one place REST and pages learn who is calling, and the dependency aliases every
router declares its parameters with (written once here, not per router)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from plandesk.core import access
from plandesk.core.actors import Actor
from plandesk.core.paging import PageArgs
from plandesk.core.vocab import MAX_LIST_LIMIT
from plandesk.db.engine import Database


async def db_of(request: Request):
    # async: FastAPI runs a plain def dependency in a worker thread, a hop that buys nothing for an attribute.
    return request.app.state.db


def current_actor(request: Request) -> Actor:
    # A plain def on purpose: FastAPI runs it in a worker thread. Resolving on the event loop was measured
    # slower under 32 concurrent agents: each database read there lets the GIL go, and the loop, which serves
    # every connection, then waits behind the worker threads to get it back.
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


async def current_actor_on_loop(request: Request) -> Actor:
    """current_actor without the worker-thread hop, for claim-next: its claim goes to the group writer
    thread, not a worker thread, so nothing busy holds the GIL for the loop to wait behind, and the hop was
    the largest cost left around a claim (measured: 0.40-0.45x the no-op rate with the hop, 0.46-0.54x
    without). Resolving a caller reads memory and, at most, one indexed row."""
    return current_actor(request)


ActorDep = Annotated[Actor, Depends(current_actor)]
LoopActorDep = Annotated[Actor, Depends(current_actor_on_loop)]
DbDep = Annotated[Database, Depends(db_of)]
# A page size as every list takes it: 1 … the core's maximum.
Limit = Annotated[int | None, Query(ge=1, le=MAX_LIST_LIMIT)]


def page_args(limit: Limit = None, cursor: str | None = None) -> PageArgs:
    """The page a list is asked for, as the core's list functions take it: `list_x(..., **page)`."""
    return {"limit": limit, "cursor": cursor}


PageDep = Annotated[PageArgs, Depends(page_args)]
