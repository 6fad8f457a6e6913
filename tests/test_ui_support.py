"""Shared pieces of the test_ui_* browser tests: one live server and one Chromium per module, screenshots.

Holds no tests itself. Kept apart from test_web_support so that the UI tests of issue 15 can share one
browser per module without depending on the page-per-test fixtures of the older web tests.
"""

from __future__ import annotations

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


def shot(page, name: str, *, full_page: bool = False) -> Path:
    """A screenshot under test-artifacts/ (looked at by a person before a release)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for(probe: Callable[[], T], *, timeout: float = 10.0, what: str = "condition") -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.05)  # polling with a deadline, not waiting for an outcome
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


@pytest.fixture(scope="module", name="server")
def server_fixture(tmp_path_factory):
    from conftest import drop_pg_database, new_workspace, start_server

    ws = new_workspace(tmp_path_factory.mktemp("ui"))
    srv = start_server(ws)
    try:
        yield srv
    finally:
        srv.stop()
        if ws.database_url:
            drop_pg_database(ws.database_url)


@pytest.fixture(scope="module", name="browser")
def browser_fixture():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module", name="api")
def api_fixture(server) -> httpx2.Client:
    with server.client() as client:
        yield client


def new_page(
    browser, server, *, width: int = 1280, height: int = 800, dark: bool = False, mobile: bool = False
):
    """A fresh context and page; errors thrown by the page are collected on page.errors."""
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": width, "height": height},
        color_scheme="dark" if dark else "light",
        reduced_motion="reduce",
        is_mobile=mobile,
        has_touch=mobile,
    )
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


@pytest.fixture(name="page")
def page_fixture(browser, server):
    page = new_page(browser, server)
    yield page
    page.context.close()


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
    page.mouse.move(min(b["x"] + b["width"] / 2, width - 30), b["y"] + 80, steps=8)
    page.mouse.up()
