"""create_app(settings): composes the REST API, the MCP endpoint, the pages and live events."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import threading
import time

from fastapi import FastAPI

from plandesk import __version__
from plandesk.api import problems
from plandesk.api.guard import Guard
from plandesk.core.workspace import initialise
from plandesk.settings import Settings

log = logging.getLogger("plandesk")


def create_app(settings: Settings, *, db=None):
    db = db or initialise(settings)

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
    from plandesk.api import oauth as oauth_server
    from plandesk.mcp import endpoint as mcp_endpoint
    from plandesk.web import api_docs, oauth_pages, pages, team_pages

    mcp_endpoint.install(app, db, settings)
    oauth_server.install(app, db)  # MCP authorization: metadata, /oauth/* endpoints (api/oauth.py)
    routes.add_routes(app, oauth_pages.router)  # the consent page
    pages.install(app)
    api_docs.install(app)  # Swagger UI from a PyPI package's files: works offline, under the page CSP
    team_pages.install(app)  # sign-in, invitations, members, shared items
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


def _queued(handler: logging.StreamHandler) -> logging.Handler:
    """`handler` behind a queue: the event loop only queues the record (one line a request) and a logging
    thread formats and writes what has gathered, a batch at a time, so the loop never lets the GIL go for a
    write(2), and the writer wakes a few dozen times a second under load instead of once a line (each
    wake-up took the GIL from the loop: the request log was 10 % of a claim's server time)."""
    import atexit
    import queue

    q: queue.SimpleQueue = queue.SimpleQueue()
    writer = _LineWriter(q, handler)
    writer.start()
    atexit.register(writer.stop)  # every queued line is written before the process exits
    return _RecordQueue(q)


class _RecordQueue(logging.handlers.QueueHandler):
    """Queues the record as it is: the writer thread formats it (the record holds its own timestamp)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


class _LineWriter(threading.Thread):
    """Writes the queued records through `handler`, a gathered batch in one write."""

    GATHER_SECONDS = 0.02

    def __init__(self, q, handler: logging.StreamHandler) -> None:
        super().__init__(name="plandesk-log-writer", daemon=True)
        self._q = q
        self._handler = handler
        self._stopping = threading.Event()

    def run(self) -> None:
        import queue

        while True:
            record = self._q.get()  # blocks while there is nothing to write
            if record is None:
                return
            if not self._stopping.is_set():
                time.sleep(self.GATHER_SECONDS)  # let a burst gather: one wake-up writes it all
            records = [record]
            try:
                while True:
                    records.append(self._q.get_nowait())
            except queue.Empty:
                pass
            last = records[-1] is None
            self._write([r for r in records if r is not None])
            if last:
                return

    def _write(self, records: list[logging.LogRecord]) -> None:
        h = self._handler
        text = "".join(h.format(r) + h.terminator for r in records if r.levelno >= h.level and h.filter(r))
        if not text:
            return
        try:
            with h.lock or contextlib.nullcontext():
                h.stream.write(text)
                h.stream.flush()
        except Exception:  # noqa: BLE001  a closed or broken stream must not stop the server's logging thread
            for r in records:
                h.handleError(r)

    def stop(self) -> None:
        self._stopping.set()
        self._q.put(None)
        self.join(timeout=5)
