"""Which routers make up /api/v1."""

from __future__ import annotations

from fastapi import FastAPI

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


def include_all(app: FastAPI) -> None:
    # Routes are matched in order, each included router walked twice (FastAPI: once to find it, once to pick
    # the route in it): the agents' claim-next comes first instead of after every system and project route.
    app.include_router(tasks.loop_router, prefix="/api/v1")
    for module in MODULES:
        app.include_router(module.router, prefix="/api/v1")
    # The API document still lists its sections in MODULES order, not with the early router's first.
    app.openapi_tags = [{"name": name} for name in _tags_in_order()]


def _tags_in_order() -> list[str]:
    names: list[str] = []
    for module in MODULES:
        for route in module.router.routes:
            names += [t for t in getattr(route, "tags", []) if t not in names]
    return names
