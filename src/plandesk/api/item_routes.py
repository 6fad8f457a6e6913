"""The routes an item addressed by its own id has alike (GET, PATCH, DELETE /notes/{note_id}, POST …/pause,
and POST /projects/{project_id}/notes that creates one): each a thin adapter over one core function, called as
`f(db, actor, id)` or, with the request body's fields, `f(db, actor, id, data)`.

A route is named after its core function (`notes.get_note` → `get_note`), so its OpenAPI operation id and
summary read as they did when each route was written out by hand. The path keeps its own parameter name
(`note_id`); the endpoint reads it through an alias.
"""

# No `from __future__ import annotations` here: FastAPI reads the id and body types from the signatures of
# functions made inside a call, and string annotations there could not find the caller's body model.

import re
from collections.abc import Callable
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Response

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep
from plandesk.api.models import Strict

ItemCall = Callable[..., Any]


class ItemRoutes:
    """The routes of one kind of item at `path` (one path parameter, its id), all answering `answer`."""

    def __init__(self, router: APIRouter, path: str, answer: Any):
        self.router = router
        self.path = path
        self.answer = answer
        self.id_type = _id_in(path)

    def create(self, under: str, make: ItemCall, body_model: type[Strict]) -> None:
        """POST under (e.g. /projects/{project_id}/notes): a new item in its parent, the item back; 201."""
        ParentId = _id_in(under)

        @self.router.post(under, status_code=201, name=make.__name__, **returns(self.answer))
        def create_item(parent_id: ParentId, body: body_model, actor: ActorDep, db: DbDep):  # type: ignore[valid-type]
            return make(db, actor, parent_id, cast(Strict, body).data())

    def get(self, read: ItemCall) -> None:
        ItemId = self.id_type

        @self.router.get(self.path, name=read.__name__, **returns(self.answer))
        def get_item(item_id: ItemId, actor: ActorDep, db: DbDep):  # type: ignore[valid-type]
            return read(db, actor, item_id)

    def patch(self, update: ItemCall, body_model: type[Strict]) -> None:
        ItemId = self.id_type

        @self.router.patch(self.path, name=update.__name__, **returns(self.answer))
        def patch_item(item_id: ItemId, body: body_model, actor: ActorDep, db: DbDep):  # type: ignore[valid-type]
            return update(db, actor, item_id, cast(Strict, body).data())

    def delete(self, remove: ItemCall, *, description: str | None = None) -> None:
        """DELETE: the item is gone for good; 204."""
        ItemId = self.id_type

        @self.router.delete(self.path, status_code=204, name=remove.__name__, description=description)
        def delete_item(item_id: ItemId, actor: ActorDep, db: DbDep):  # type: ignore[valid-type]
            remove(db, actor, item_id)
            return Response(status_code=204)

    def trash(self, remove: ItemCall, *, description: str | None = None) -> None:
        """DELETE: the core moves the item to the project's trash and returns the trash item's id; the
        X-Trash-Item header hands it on, so the caller can undo at once (POST /trash/{id}/restore)."""
        ItemId = self.id_type

        @self.router.delete(self.path, status_code=204, name=remove.__name__, description=description)
        def trash_item(item_id: ItemId, actor: ActorDep, db: DbDep):  # type: ignore[valid-type]
            return Response(status_code=204, headers={"X-Trash-Item": remove(db, actor, item_id)})

    def action(self, verb: str, act: ItemCall, answer: Any = None) -> None:
        """POST path/verb without a body (pause, resume …): what the core answers, the item by default."""
        ItemId = self.id_type

        @self.router.post(f"{self.path}/{verb}", name=act.__name__, **returns(answer or self.answer))
        def act_on_item(item_id: ItemId, actor: ActorDep, db: DbDep):  # type: ignore[valid-type]
            return act(db, actor, item_id)


def _id_in(path: str) -> Any:
    """The type of the one id in a path ("/notes/{note_id}"), read under the path's own name for it."""
    (name,) = re.findall(r"{(\w+)}", path)
    return Annotated[str, Path(alias=name)]
