"""Live events across processes: a PostgreSQL LISTEN thread that hands every NOTIFY to db.emit.

db/engine.py sends `pg_notify('plandesk_events', json)` inside each write transaction and does not emit
locally on PostgreSQL, so every process (the writer included) learns of a change only through here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading

from sqlalchemy.engine import make_url

CHANNEL = "plandesk_events"
POLL_SECONDS = 0.5  # how often the thread looks up from the socket to see whether it should stop
MAX_BACKOFF = 10.0
_FIELD = re.compile(r'"(project_id|kind)": ("(?:[^"\\]|\\.)*"|null)')

log = logging.getLogger("plandesk.events")


def libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def decode(payload: str) -> dict:
    """A payload over NOTIFY's 8000-byte limit arrives cut short; keep what identifies it and say so."""
    try:
        event = json.loads(payload)
        if isinstance(event, dict):
            return event
    except ValueError:
        pass
    known = {k: json.loads(v) for k, v in _FIELD.findall(payload)}
    return {"project_id": known.get("project_id"), "kind": known.get("kind", "unknown"), "truncated": True}


class EventListener:
    """One thread, one dedicated connection (LISTEN needs its own session, never a pooled one)."""

    def __init__(self, db, url: str | None = None):
        self.db = db
        self.url = libpq_url(url or db.url)
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reconnects = 0

    def start(self, timeout: float = 15.0) -> None:
        self._thread = threading.Thread(target=self._run, name="plandesk-listen", daemon=True)
        self._thread.start()
        # Serve nothing before we listen: a change made right after startup must not be missed.
        if not self.listening.wait(timeout):
            log.warning("event listener not connected after %.0f s; live updates wait for it", timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=POLL_SECONDS * 4 + 5)

    def _run(self) -> None:
        import psycopg

        backoff = 0.2
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if self.listening.is_set():
                        # Whatever happened while we were away was not delivered: tell pages to reload.
                        self.db.emit({"project_id": None, "kind": "resync"})
                    self.listening.set()
                    backoff = 0.2
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_SECONDS):
                            self.db.emit(decode(note.payload))
            except Exception as exc:  # noqa: BLE001 - the database restarted or the network dropped: reconnect
                if self._stop.is_set():
                    break
                self.reconnects += 1
                log.warning(
                    "event listener lost its connection (%s); reconnecting in %.1f s",
                    exc.__class__.__name__,
                    backoff,
                )
                self._stop.wait(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)


@contextlib.asynccontextmanager
async def listening(db):
    """Lifespan part: listen for the server's whole life on PostgreSQL; nothing to do on SQLite."""
    if db.dialect != "postgresql":
        yield None
        return
    import anyio

    listener = EventListener(db)
    await anyio.to_thread.run_sync(listener.start)
    try:
        yield listener
    finally:
        await anyio.to_thread.run_sync(listener.stop)


def install(app, db) -> None:
    app.state.lifespan_parts.append(lambda: listening(db))
