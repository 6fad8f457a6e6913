"""Which routers make up /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from plandesk.api import (
    approvals,
    auth,
    comments,
    connector,
    documents,
    goals,
    mcp_settings,
    members,
    notes,
    projects,
    revisions,
    runs,
    settings,
    shares,
    system,
    task_rules,
    tasks,
    trash,
)

MODULES = (
    system,
    projects,
    tasks,
    documents,
    notes,
    comments,
    goals,
    runs,
    revisions,
    connector,
    settings,
    members,
    shares,
    auth,
    approvals,
    mcp_settings,
    trash,
    task_rules,
)


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes, built once when its module was imported, added to `app` as they are.

    `app.include_router` would wrap the router for this app, and FastAPI then builds every route of it again
    for the app (its dependencies and models analysed anew) at the app's first requests: about 0.1 s of CPU
    per app, in every server's first requests and every app a test makes. A route keeps nothing of an app
    (a handler finds the app's state on its request), so every app of a process shares them; the routers
    therefore carry their prefix themselves and set nothing that an include would add."""
    app.router.routes.extend(router.routes)


def include_all(app: FastAPI) -> None:
    # Routes are matched in order: the agents' claim-next comes first instead of after every system and
    # project route.
    add_routes(app, tasks.loop_router)
    for module in MODULES:
        add_routes(app, module.router)
    # The API document still lists its sections in MODULES order, not with the early router's first.
    app.openapi_tags = [{"name": name} for name in _tags_in_order()]


def _tags_in_order() -> list[str]:
    names: list[str] = []
    for module in MODULES:
        for route in module.router.routes:
            names += [t for t in getattr(route, "tags", []) if t not in names]
    return names
