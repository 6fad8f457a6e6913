"""Request → actor: the one place REST and pages learn who is calling."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from plandesk.core import access
from plandesk.core.actors import Actor


async def db_of(request: Request):
    # async: FastAPI runs a plain def dependency in a worker thread, a hop that buys nothing for an attribute.
    return request.app.state.db


def resolve_actor(request: Request) -> Actor:
    """The caller, resolved in full (may read and write the database): for code already off the event loop.
    Routes take `current_actor` as a dependency instead."""
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


async def current_actor(request: Request) -> Actor:
    """The caller, as a route dependency. A cached token or the loopback owner is answered on the event loop
    (one small freshness read, the same checks as resolve_actor); anything else (a first sight of a token, a
    session cookie, a refusal, a last-use write) goes to a worker thread through resolve_actor. A plain def
    dependency would cost every request a worker-thread hop of its own."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    actor = access.actor_for_http_cached(
        request.app.state.db,
        request.app.state.settings,
        headers=request.headers,
        client_host=request.client.host if request.client else None,
        cookies=request.cookies,
    )
    if actor is None:
        return await run_in_threadpool(resolve_actor, request)
    request.state.actor = actor
    return actor
