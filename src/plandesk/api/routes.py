"""Which routers make up /api/v1."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

# Each module exposes `router`; modules that are not written yet are skipped so parts can land one by one.
MODULES = ("system", "projects", "tasks", "documents", "notes", "comments", "goals", "runs", "revisions",
           "connector", "settings", "members", "shares", "auth", "approvals", "mcp_settings")


def include_all(app: FastAPI) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(f"plandesk.api.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"plandesk.api.{name}":
                continue
            raise
        app.include_router(module.router, prefix="/api/v1")
