"""Shared pieces of the web tests: the browser fixtures, a page's log, screenshots, bounded waits, REST helpers.

A support module, not a test module. conftest.py imports its fixtures (`browser`, `page` and the autouse
`_playwright_loop`), so every test module gets them without copying them: one Chromium per pytest process
(session scope), a fresh browser context per page. A browser module runs its pages against the module's
process-tier server (`pytestmark = pytest.mark.server("process")`) or a module fixture of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
_OPEN_CONTEXTS: list = []  # made by new_page during the current test, closed when it ends


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
        while _OPEN_CONTEXTS:
            _OPEN_CONTEXTS.pop().close()  # a no-op for a context the test closed itself
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
    """A page in a fresh browser context of its own, closed when the test ends; what the page says on its
    console and the errors it throws are collected on page.log."""
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": width, "height": height},
        color_scheme="dark" if dark else "light",
        reduced_motion="reduce",
        is_mobile=mobile,
        has_touch=mobile,
    )
    _OPEN_CONTEXTS.append(context)
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
