"""The web UI's entry point: install(app) adds the page routes, /static and the live event stream."""

from __future__ import annotations

import importlib

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from plandesk.api.routes import add_routes
from plandesk.web import events
from plandesk.web.rendering import STATIC_DIR, status_page

# Page modules, each exposing `router` (all routes include_in_schema=False: they are not the API).
PAGE_MODULES = (
    "home_pages",
    "board_pages",
    "flow_pages",
    "document_pages",
    "work_pages",
    "activity_pages",
    "settings_pages",
    "ui_routes",
    "connector_pages",
    "trash_pages",
)


# A versioned URL names one release's files, so browsers may keep them for a year without asking again.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
STATIC_FILES = frozenset(p.name for p in STATIC_DIR.iterdir() if p.is_file() and not p.name.startswith("."))


def versioned_static(version: str, name: str) -> FileResponse:
    """/static/v<version>/<name>: any version is served the current file (a page cached across an upgrade
    still loads), and only the files shipped in static/ (one path segment, so no way out of the folder)."""
    if name not in STATIC_FILES:
        raise HTTPException(status_code=404)
    return FileResponse(STATIC_DIR / name, headers=IMMUTABLE)


def install(app: FastAPI) -> None:
    # Before the /static mount, which would otherwise look for a folder named v<version>.
    app.add_api_route(
        "/static/v{version}/{name}", versioned_static, methods=["GET", "HEAD"], include_in_schema=False
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.state.html_error_page = status_page  # browsers get styled 404/403/500 pages (api/problems.py)
    events.install(app)
    for name in PAGE_MODULES:
        module = importlib.import_module(f"plandesk.web.{name}")
        add_routes(app, module.router)
