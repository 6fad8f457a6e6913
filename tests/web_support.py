"""Shared pieces of the web tests: the browser fixtures, a page's log, screenshots, bounded waits, REST helpers.

A support module, not a test module. conftest.py imports its fixtures (`browser`, `page` and the autouse
`_playwright_loop`), so every test module gets them without copying them: one Chromium per pytest process
(session scope), a browser context per page that is new to the test (made, or reset from an earlier test's:
see _ContextPool). A browser module runs its pages against the module's port-tier server
(`pytestmark = pytest.mark.server("port")`) or a module fixture of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx2
import pytest

T = TypeVar("T")
CHROMIUM = os.environ.get("PLANDESK_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(
    os.environ.get("PLANDESK_TEST_ARTIFACTS") or Path(__file__).resolve().parent.parent / "test-artifacts"
)
UI_TIMEOUT_MS = 15_000


def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def shot(page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot as a test artefact (looked at by a person before a release)."""
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for(
    probe: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"
) -> T:
    """Poll `probe` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)  # polling with a deadline, not waiting for an outcome
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


class PageLog:
    """What the page said on its console and which errors it threw: tests assert it stayed clean."""

    def __init__(self, page):
        self.messages: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]


# Playwright's sync API runs its event loop in a greenlet of this thread and leaves that loop marked as the
# thread's running loop between calls. With one browser for the whole session, a later async test in the
# same process (anyio, asyncio.run) would then fail with "cannot be called from a running event loop". So
# the loop is marked running only while a test that uses the browser runs (the autouse fixture below), and
# parked (no running loop) at every other time. asyncio._set_running_loop is the call Playwright itself uses.
_PLAYWRIGHT_LOOP: list = []


class _ContextPool:
    """Browser contexts kept from one test to the next, one per set of context options (server, viewport,
    colour scheme, mobile). A new context costs Chromium about 0.65 s of CPU (a new network context and
    storage partition, and every script fetched and compiled again into an empty cache), against 0.1 s for a
    page in a warm one: a fresh context per test was a third of the suite's Chromium time.

    Between tests a context is reset to what a new one holds: pages closed, cookies, permissions, routes and
    offline mode cleared, and the server origin's localStorage emptied (through a page still open on it). A
    context that cannot be reset so (the test closed it, or every page on its origin, or its pages went to
    another origin) is closed and the next test gets a new one. The HTTP cache is what is kept: the pages'
    static files have versioned URLs, so a cached copy is the copy the server would send."""

    def __init__(self) -> None:
        self.idle: dict[tuple, object] = {}
        self.used: list[tuple] = []  # (key, context, origin, origins its pages went to, listener) this test

    def take(self, browser, key: tuple, origin: str, options: dict):
        context = self.idle.pop(key, None)
        if context is None:
            context = browser.new_context(**options)
        seen: set[str] = set()

        def watch(page) -> None:
            page.on("framenavigated", lambda frame: seen.add(_origin(frame.url)))

        context.on("page", watch)
        self.used.append((key, context, origin, seen, watch))
        return context

    def settle(self) -> None:
        """At a test's end: reset each context it used and keep it, or close it."""
        while self.used:
            key, context, origin, seen, watch = self.used.pop()
            if key not in self.idle and self._reset(context, origin, seen):
                context.remove_listener("page", watch)
                self.idle[key] = context
            else:
                _close_quietly(context)

    @staticmethod
    def _reset(context, origin: str, seen: set[str]) -> bool:
        try:
            pages = list(context.pages)
        except Exception:  # closed by the test
            return False
        if seen - {origin, "about:"}:
            return False
        on_origin = [p for p in pages if _origin(p.url) == origin]
        if not on_origin:
            return False
        try:
            on_origin[0].evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            for page in pages:
                page.close()
            context.clear_cookies()
            context.clear_permissions()
            context.unroute_all(behavior="ignoreErrors")
            context.set_offline(False)
            context.set_extra_http_headers({})
        except Exception:  # anything odd: a new context next time
            return False
        return True

    def close_all(self) -> None:
        self.settle()
        while self.idle:
            _close_quietly(self.idle.popitem()[1])


def _origin(url: str) -> str:
    """scheme://host:port of an http(s) URL; "about:" for the blank and internal pages a page starts on."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else "about:"


def _close_quietly(context) -> None:
    try:
        context.close()  # a no-op for a context the test closed itself
    except Exception:  # closed already
        pass


_CONTEXTS = _ContextPool()


def _mark_running(running: bool) -> None:
    if _PLAYWRIGHT_LOOP:
        asyncio._set_running_loop(_PLAYWRIGHT_LOOP[0] if running else None)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, one per pytest process; each page gets a browser context of its own."""
    from playwright.sync_api import sync_playwright

    p = sync_playwright().start()
    _PLAYWRIGHT_LOOP.append(asyncio.get_running_loop())
    try:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        _mark_running(False)
        yield b
        _mark_running(True)
        _CONTEXTS.close_all()
        b.close()
    finally:
        _mark_running(True)
        p.stop()
        _PLAYWRIGHT_LOOP.clear()


@pytest.fixture(autouse=True)
def _playwright_loop(request):
    """Playwright's loop is the running one only during a test that uses the browser (see above)."""
    if "browser" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("browser")  # started (and its loop known) before it is marked running
    _mark_running(True)
    try:
        yield
    finally:
        _CONTEXTS.settle()
        _mark_running(False)


def new_page(
    browser,
    server,
    *,
    width: int = 1280,
    height: int = 800,
    dark: bool = False,
    mobile: bool = False,
    timeout_ms: int = UI_TIMEOUT_MS,
):
    """A page in a browser context of its own for this test (a new one, or one another test left and that was
    reset to what a new one holds: see _ContextPool), closed when the test ends; what the page says on its
    console and the errors it throws are collected on page.log."""
    options = {
        "base_url": server.url,
        "viewport": {"width": width, "height": height},
        "color_scheme": "dark" if dark else "light",
        "reduced_motion": "reduce",
        "is_mobile": mobile,
        "has_touch": mobile,
    }
    key = (server.url, width, height, dark, mobile)
    context = _CONTEXTS.take(browser, key, _origin(server.url), options)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    page.log = PageLog(page)
    page.errors = page.log.errors  # the name the UI tests used before page.log
    return page


@pytest.fixture
def page(browser, server):
    return new_page(browser, server)


def mobile_page(browser, server, *, dark: bool = False):
    page = new_page(browser, server, width=390, height=844, dark=dark, mobile=True)
    return page.context, page


def rest(server) -> httpx2.Client:
    """The REST API as a script sees it (local owner on loopback, no browser headers)."""
    return server.client()


def make_project(api: httpx2.Client, name: str = "UI") -> dict:
    r = api.post("/api/v1/projects", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()


def make_task(api: httpx2.Client, project_id: str, label: str, **fields) -> dict:
    r = api.post(f"/api/v1/projects/{project_id}/tasks", json={"label": label, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def link(
    api: httpx2.Client, project_id: str, prerequisite: str, dependent: str, label: str = "blocks"
) -> dict:
    r = api.post(
        f"/api/v1/projects/{project_id}/edges",
        json={
            "from_type": "task",
            "from_id": prerequisite,
            "to_type": "task",
            "to_id": dependent,
            "label": label,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def drag(page, source, target) -> None:
    """A real pointer drag: press, move in steps past the 5 px threshold, release over the target."""
    a, b = source.bounding_box(), target.bounding_box()
    width = page.viewport_size["width"]
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 20)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2 + 12, a["y"] + 26, steps=3)
    # Aim at the part of the column that is on screen (the last columns can be partly scrolled out).
    page.mouse.move(min(b["x"] + b["width"] / 2, width - 30), b["y"] + 80, steps=8)
    page.mouse.up()


def team_server(tmp_path_factory, people: dict[str, str], password: str):
    """A process-tier server on a workspace of its own with these people (email → role) created by the CLI
    before it starts, so sign-in is required; a generator for a fixture to `yield from`."""
    from cli_support import create_user, run_cli
    from conftest import _module_server

    def create_people(ws) -> None:
        run_cli(ws, "init")
        for email, role in people.items():
            create_user(ws, email, role, password)

    yield from _module_server(tmp_path_factory, "process", prepare=create_people)


def mint_token(api: httpx2.Client, name: str = "agent", **scopes) -> str:
    r = api.post("/api/v1/tokens", json={"name": name, **scopes})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def mcp_call(url: str, token: str, tool: str, arguments: dict, *, timeout: float = 30.0) -> dict:
    """One tools/call through the official MCP SDK client, as an agent would make it.

    Runs on its own thread and event loop: Playwright's sync API owns the test thread's loop.
    """

    async def run() -> dict:
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=timeout) as http,
            Client(streamable_http_client(url, http_client=http), mode="legacy") as client,
        ):
            result = await asyncio.wait_for(client.call_tool(tool, arguments), timeout)
            assert not result.is_error, result.content[0].text if result.content else result
            return result.structured_content

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout + 5)
