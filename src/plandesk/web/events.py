"""Live updates: the core's committed events, fanned out to each page as a per-project SSE stream."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from plandesk.api.deps import current_actor
from plandesk.api.routes import add_routes
from plandesk.core import access, projects
from plandesk.core.errors import PlanDeskError

HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.5
RECHECK_SECONDS = 5.0  # an idle stream also ends soon after its caller loses access
QUEUE_LIMIT = 1000
MAX_STRING = 2000  # bodies travel in events; pages re-read what they show, so long text is cut

router = APIRouter(include_in_schema=False)


@dataclass(eq=False)
class Subscriber:
    project_id: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False

    def push(self, event: dict) -> None:
        """Runs on the subscriber's loop."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A stalled tab: drop the backlog and tell it to re-read everything once it catches up.
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait({"kind": "resync", "project_id": self.project_id})


class EventHub:
    """Receives events from the writer threads (db.listeners) and hands each to its project's streams."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def subscribe(self, project_id: str) -> Subscriber:
        sub = Subscriber(project_id, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    @property
    def count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: dict) -> None:
        """Called after commit, on whatever thread wrote; must stay cheap and never raise."""
        project_id = event.get("project_id")
        # A project-less resync (the PostgreSQL listener reconnected, events may be lost) goes to everyone.
        everyone = project_id is None and event.get("kind") == "resync"
        if not project_id and not everyone:
            return
        with self._lock:
            targets = [s for s in self._subscribers if everyone or s.project_id == project_id]
        if not targets:
            return
        payload = {**_trim(event), "seq": next(self._ids)}
        if everyone:
            payload["project_id"] = None
        for sub in targets:
            try:
                sub.loop.call_soon_threadsafe(sub.push, payload)
            except RuntimeError:  # the subscriber's loop is closed: the stream is gone
                self.unsubscribe(sub)


def _trim(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + "…"
    if isinstance(value, dict) and depth < 4:
        return {k: _trim(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and depth < 4:
        return [_trim(v, depth + 1) for v in value[:200]]
    return value


def server_draining() -> bool:
    """True once uvicorn got SIGTERM/SIGINT: streams end so a restart is not held up by open tabs.

    uvicorn installs a bound method of its Server as the signal handler and sets `should_exit` on it;
    reading that flag is the only way an app can learn that a graceful shutdown has begun.
    """
    handler = signal.getsignal(signal.SIGTERM)
    server = getattr(handler, "__self__", None)
    return bool(getattr(server, "should_exit", False))


def _frame(event: dict) -> str:
    return f"id: {event.get('seq', 0)}\ndata: {json.dumps(event, default=str, separators=(',', ':'))}\n\n"


class Caller:
    """Who opened a stream, re-checked against the database before any event is sent, so a stream ends (and
    sends nothing more) once that person is removed, their token revoked or rotated, their session ended or
    their role changed. The browser reconnects and is judged afresh."""

    def __init__(self, request: Request, actor, project_id: str):
        self.db = request.app.state.db
        self.settings = request.app.state.settings
        self.headers = request.headers
        self.cookies = request.cookies
        self.client_host = request.client.host if request.client else None
        self.actor = actor
        self.project_id = project_id

    def still_allowed(self) -> bool:
        try:
            current = access.actor_for_http(
                self.db,
                self.settings,
                headers=self.headers,
                client_host=self.client_host,
                cookies=self.cookies,
            )
            projects.get_project(self.db, current, self.project_id)
        except PlanDeskError:
            return False
        first = self.actor
        return (current.user_id, current.role, current.token_id, current.project_ids, current.read_only) == (
            first.user_id,
            first.role,
            first.token_id,
            first.project_ids,
            first.read_only,
        )


async def _stream(hub: EventHub, caller: Caller):
    project_id = caller.project_id
    sub = hub.subscribe(project_id)
    try:
        # retry: how long the browser waits before reconnecting after the stream drops.
        yield f"retry: 1500\ndata: {json.dumps({'kind': 'hello', 'project_id': project_id})}\n\n"
        last_sent = last_checked = time.monotonic()
        while True:
            try:
                event = await asyncio.wait_for(sub.queue.get(), timeout=POLL_SECONDS)
            except TimeoutError:
                event = None
            # A closed tab is noticed by the response itself (it cancels this generator).
            if server_draining():
                break
            batch = [event] if event is not None else []
            while not sub.queue.empty():
                batch.append(sub.queue.get_nowait())
            if batch or time.monotonic() - last_checked >= RECHECK_SECONDS:
                # Before any content leaves, and now and then while idle: is the caller still who they were?
                if not await asyncio.to_thread(caller.still_allowed):
                    break
                last_checked = time.monotonic()
            if batch:
                yield "".join(_frame(e) for e in batch)
                last_sent = time.monotonic()
            elif time.monotonic() - last_sent >= HEARTBEAT_SECONDS:
                yield ": keep-alive\n\n"
                last_sent = time.monotonic()
    finally:
        hub.unsubscribe(sub)


@router.get("/projects/{project_id}/events")
async def project_events(project_id: str, request: Request):
    db = request.app.state.db
    try:
        # Both read the database; keep them off the event loop.
        actor = await asyncio.to_thread(current_actor, request)
        await asyncio.to_thread(projects.get_project, db, actor, project_id)
    except PlanDeskError as exc:
        from plandesk.api.problems import error_response

        return error_response(exc)
    return StreamingResponse(
        _stream(request.app.state.event_hub, Caller(request, actor, project_id)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def install(app) -> EventHub:
    hub = EventHub()
    app.state.event_hub = hub
    app.state.db.listeners.append(hub.publish)
    add_routes(app, router)
    return hub
