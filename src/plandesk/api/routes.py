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
    for module in MODULES:
        app.include_router(module.router, prefix="/api/v1")
