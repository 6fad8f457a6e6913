"""Shared pieces of the web tests: Chromium settings, a page's log, screenshots, bounded waits, REST helpers.

A support module, not a test module: the `browser` and `page` fixtures live in conftest.py.
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


def mobile_page(browser, server, *, dark: bool = False):
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 390, "height": 844},
        color_scheme="dark" if dark else "light",
        is_mobile=True,
        has_touch=True,
        reduced_motion="reduce",
    )
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context, context.new_page()


def rest(server) -> httpx2.Client:
    """The REST API as a script sees it (local owner on loopback, no browser headers)."""
    return server.client()


def make_task(api: httpx2.Client, project_id: str, label: str, **fields) -> dict:
    r = api.post(f"/api/v1/projects/{project_id}/tasks", json={"label": label, **fields})
    assert r.status_code == 201, r.text
    return r.json()


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
