"""Kept for modules that still import from here; new code imports web_support and uses conftest fixtures."""

from __future__ import annotations

from conftest import _module_server
from conftest import browser as browser_fixture  # noqa: F401
from conftest import page as page_fixture  # noqa: F401
from web_support import make_task, mcp_call, mint_token, mobile_page, rest, shot, wait_for  # noqa: F401


def module_server(tmp_path_factory):
    """Generator for a module-scoped `server` fixture: one `plandesk serve` process on a fresh workspace."""
    yield from _module_server(tmp_path_factory, "process")

