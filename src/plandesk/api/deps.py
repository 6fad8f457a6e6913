"""Request → actor: the one place REST and pages learn who is calling."""

from __future__ import annotations

from fastapi import Request

from plandesk.core import access
from plandesk.core.actors import Actor


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
