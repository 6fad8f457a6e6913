"""The web UI's entry point: install(app) adds the page routes, /static and the live event stream."""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from plandesk.web import events
from plandesk.web.rendering import STATIC_DIR, status_page

# Page modules, each exposing `router` (all routes include_in_schema=False: they are not the API).
PAGE_MODULES = ("home_pages", "board_pages", "flow_pages", "document_pages", "work_pages", "activity_pages",
                "settings_pages", "ui_routes", "connector_pages")


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.state.html_error_page = status_page  # browsers get styled 404/403/500 pages (api/problems.py)
    events.install(app)
    for name in PAGE_MODULES:
        module = importlib.import_module(f"plandesk.web.{name}")
        app.include_router(module.router)
