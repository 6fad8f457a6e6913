"""The page renderer: one Jinja environment, CSP/CSRF/timing headers on every HTML response, error pages."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from plandesk import __version__
from plandesk.core import vocab
from plandesk.core.errors import PlanDeskError
from plandesk.web import csrf, markdown

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"

# Pages run no inline script and load nothing from elsewhere; JSON data blocks are not scripts.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CSP = "; ".join(CSP_DIRECTIVES)

PROJECT_NAV = (
    ("overview", "Overview"),
    ("board", "Board"),
    ("list", "List"),
    ("flow", "Flow"),
    ("documents", "Documents"),
    ("notes", "Notes"),
    ("goals", "Goals"),
    ("runs", "Runs"),
    ("activity", "Activity"),
    ("trash", "Trash"),
    ("settings/code", "Code"),
)
# Settings pages; Members and Permissions are served by the teams and connector parts.
SETTINGS_NAV = [
    ("mcp", "/settings/mcp", "MCP"),
    ("members", "/settings/members", "Members"),
    ("permissions", "/settings/permissions", "Permissions"),
    ("approvals", "/settings/approvals", "Approvals"),
    ("oauth", "/settings/oauth", "OAuth apps"),
    ("tasks", "/settings/tasks", "Tasks"),
]


def _static_version() -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(STATIC_DIR.glob("*")):
        digest.update(path.name.encode() + str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()[:10]


STATIC_VERSION = _static_version()


def static_url(name: str) -> str:
    """A versioned path: relative ES-module imports inside the file inherit the version, so an upgrade
    reloads every module, not just the entry scripts (the old /static/<name> keeps working)."""
    return f"/static/v{STATIC_VERSION}/{name}"


def when(value: str | None) -> str:
    """ISO time → '2026-11-22 14:03 UTC'; pages turn it into '3 min ago' in the browser."""
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


def short(value: str | None) -> str:
    return (value or "")[:8]


env = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters.update(md=markdown.render, when=when, short=short)
env.globals.update(
    static=static_url,
    STATUS_LABELS=vocab.STATUS_LABELS,
    TASK_STATUSES=vocab.TASK_STATUSES,
    PRIORITIES=vocab.PRIORITIES,
    TASK_KINDS=vocab.TASK_KINDS,
    EDGE_LABELS=vocab.EDGE_LABELS,
    PROJECT_NAV=PROJECT_NAV,
    SETTINGS_NAV=SETTINGS_NAV,
    version=__version__,
)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    token = csrf.token_for(request)
    html = env.get_template(template).render({"request": request, "csrf_token": token, **(context or {})})
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    # Pages hold live data and the CSRF token: never serve them from a cache.
    response.headers["Cache-Control"] = "no-store"
    started = getattr(request.state, "page_started", None)
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    csrf.set_cookie_if_minted(request, response)
    return response


TITLES = {
    401: "Sign in to continue",
    403: "Not allowed",
    404: "Not found",
    405: "Not found",
    409: "Conflict",
    410: "Gone",
    413: "Too large",
    429: "Too many requests",
    500: "Something went wrong",
}


def error_page(request: Request, exc: PlanDeskError) -> HTMLResponse:
    return status_page(request, exc.status, exc.message, exc.code)


def status_page(request: Request, status: int, message: str, code: str = "error") -> HTMLResponse:
    """The styled error page for a person's browser (the API answers the same error as problem+json)."""
    context = {
        "status": status,
        "title": TITLES.get(status, "Something is wrong"),
        "message": message,
        "code": code,
        "next": request.url.path,
    }
    if status not in (401, 500):  # a 500 may come from the database: do not ask it for the sidebar
        try:  # the frame (sidebar) when the visitor is known, so that they can navigate on
            from plandesk.web.layout import frame

            context = {**frame(request)[2], **context}
        except PlanDeskError:
            pass
    return render(request, "error.html", context, status=status)


def page(handler: Callable) -> Callable:
    """Wrap a page handler: time it for Server-Timing and turn domain errors into HTML error pages."""

    @functools.wraps(handler)
    def wrapper(request: Request, *args, **kwargs):
        request.state.page_started = time.perf_counter()
        try:
            return handler(request, *args, **kwargs)
        except PlanDeskError as exc:
            if (
                exc.code == "unauthorized"
                and request.method == "GET"
                and "text/html" in request.headers.get("accept", "")
            ):
                # A person opening a page: off to the sign-in form, and back here afterwards.
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/signin?next={quote(here, safe='')}", status_code=303)
            return error_page(request, exc)

    return wrapper
