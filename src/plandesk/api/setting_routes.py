"""The two routes of one group of workspace settings (GET and PUT /settings/mcp, /settings/tasks …): read the
group, or change the fields the body names (the others keep their values); the whole group back either way.

The routes are named after the core's reader (`get_mcp_settings` → get_mcp_settings, put_mcp_settings), so
their OpenAPI operations read as they did when each pair was written out by hand.
"""

# No `from __future__ import annotations`: FastAPI reads the body model from the signature of a function made
# inside a call, and a string annotation there could not find the caller's model.

from collections.abc import Callable
from typing import Any, cast

from fastapi import APIRouter

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep
from plandesk.api.models import Strict


def setting_routes(
    router: APIRouter,
    path: str,
    answer: Any,
    read: Callable[..., Any],
    write: Callable[..., Any],
    body_model: type[Strict],
) -> None:
    group = read.__name__.removeprefix("get_")

    @router.get(path, name=f"get_{group}", **returns(answer))
    def get_settings(actor: ActorDep, db: DbDep):
        return read(db, actor)

    @router.put(path, name=f"put_{group}", **returns(answer))
    def put_settings(body: body_model, actor: ActorDep, db: DbDep):  # type: ignore[valid-type]
        return write(db, actor, cast(Strict, body).data())
