"""create_app(settings): composes the REST API, the MCP endpoint, the pages and live events."""

from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI

from plandesk import __version__
from plandesk.api import problems
from plandesk.api.guard import Guard
from plandesk.core.workspace import initialise
from plandesk.settings import Settings

log = logging.getLogger("plandesk")


def create_app(settings: Settings, *, db=None):
    db = db or initialise(settings)
    mounts = []  # (startup, shutdown) pairs contributed by the parts
    mcp_part = None
    try:
        from plandesk.mcp import endpoint as mcp_endpoint

        mcp_part = mcp_endpoint
    except ImportError:  # the MCP part is optional while it is being built
        mcp_part = None

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with contextlib.AsyncExitStack() as stack:
            for enter in app.state.lifespan_parts:
                await stack.enter_async_context(enter())
            yield
        db.dispose()

    app = FastAPI(
        title="Plan Desk",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.lifespan_parts = []
    problems.install(app)
    from plandesk.web.csrf import CsrfCheck

    app.add_middleware(CsrfCheck)  # a browser write to /api/v1 must echo its CSRF cookie (web/csrf.py)
    from plandesk.core.backup import serving_lock_async
    from plandesk.db import notify

    notify.install(app, db)  # PostgreSQL: every process hears every commit (LISTEN/NOTIFY)
    app.state.lifespan_parts.append(lambda: serving_lock_async(settings))  # restore can see a live server
    from plandesk.core import trash

    app.state.lifespan_parts.append(lambda: trash.sweeping(db))  # the trash keeps 30 days

    from plandesk.api import routes

    routes.include_all(app)
    if mcp_part is not None:
        mcp_part.install(app, db, settings)
        from plandesk.api import oauth as oauth_server
        from plandesk.web import oauth_pages

        oauth_server.install(app, db)  # MCP authorization: metadata, /oauth/* endpoints (api/oauth.py)
        app.include_router(oauth_pages.router)  # the consent page
    try:
        from plandesk.web import api_docs, pages, team_pages

        pages.install(app)
        api_docs.install(app)  # Swagger UI from a PyPI package's files: works offline, under the page CSP
        team_pages.install(app)  # sign-in, invitations, members, shared items
    except ImportError:
        pass
    del mounts
    return Guard(app, settings)


def fastapi_of(asgi) -> FastAPI:
    return asgi.app


def app_from_env():
    """uvicorn factory: settings come from the environment that `plandesk serve` prepared."""
    from plandesk.settings import load_settings

    settings = load_settings()
    configure_logging(settings)
    return create_app(settings)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("plandesk")
    if not root.handlers:
        root.addHandler(_queued(handler))
    root.setLevel(logging.INFO)
    root.propagate = False
    for noisy in ("mcp", "mcp.server", "uvicorn.access", "httpx", "httpx2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _queued(handler: logging.Handler) -> logging.Handler:
    """`handler` behind a queue: the event loop formats the line and a logging thread writes it, so the loop
    never lets the GIL go for a write(2) and then waits behind busy worker threads to get it back."""
    import atexit
    import queue
    from logging.handlers import QueueHandler, QueueListener

    q: queue.SimpleQueue = queue.SimpleQueue()
    listener = QueueListener(q, handler, respect_handler_level=True)
    listener.start()
    atexit.register(listener.stop)  # every queued line is written before the process exits
    return QueueHandler(q)
