"""Settings → MCP in Chromium: a token is shown once with ready client lines, never again, and revoking it
makes its MCP calls get 401; rotating replaces the value at once."""

from __future__ import annotations

import httpx2
import pytest
from web_support import shot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a listening server
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "settings-test", "version": "1"},
    },
}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def mcp_status(server, token: str) -> int:
    """The HTTP status of a raw MCP initialize with this bearer token (the SDK would hide it)."""
    r = httpx2.post(
        server.mcp_url,
        json=INITIALIZE,
        headers={**MCP_HEADERS, "authorization": f"Bearer {token}"},
        timeout=30,
    )
    return r.status_code


def create_token(page, name: str) -> str:
    page.goto("/settings/mcp")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create token").click()
    page.locator("#reveal").wait_for()
    return page.locator("#reveal-token").inner_text()


def test_a_new_token_is_shown_once_with_ready_lines_then_never_again_and_revoked_gets_401(page, server, api):
    token = create_token(page, "Claude Code")
    assert token.startswith("plandesk_mcp_")
    assert len(token) > 50
    origin = server.url
    snippets = {
        s.get_attribute("data-snippet"): s.locator("code").inner_text()
        for s in page.locator(".snippet").all()
    }
    assert snippets["claude"] == (
        f'claude mcp add --transport http plandesk {origin}/mcp/ --header "Authorization: Bearer {token}"'
    )
    assert snippets["codex"] == (
        f'codex mcp add --transport http plandesk {origin}/mcp/ --header "Authorization: Bearer {token}"'
    )
    assert f'"url": "{origin}/mcp/"' in snippets["mcp-json"]
    assert f'"Authorization": "Bearer {token}"' in snippets["mcp-json"]
    assert snippets["url"] == f"{origin}/mcp/?token={token}"
    row = page.locator("tr[data-name='Claude Code']")
    row.wait_for()
    assert "active" in row.inner_text()
    assert mcp_status(server, token) == 200
    shot(page, "settings-mcp", full_page=True)

    page.reload()
    row.wait_for()
    assert token not in page.content()
    assert page.locator("#reveal").is_hidden()
    assert token[:19] in row.inner_text()  # the prefix identifies it; the secret part is gone for good

    row.get_by_role("button", name="Revoke").click()
    page.locator("#confirm").get_by_role("button", name="Revoke token").click()
    page.locator("tr[data-name='Claude Code'] .badge", has_text="revoked").wait_for()
    assert mcp_status(server, token) == 401
    assert [t["state"] for t in api.get("/api/v1/tokens").json()["items"] if t["name"] == "Claude Code"] == [
        "revoked"
    ]


def test_cancelling_the_revoke_confirmation_keeps_the_token_working(page, server):
    token = create_token(page, "Kept")
    page.get_by_role("button", name="I have copied it").click()
    assert page.locator("#reveal-token").inner_text() == ""
    page.locator("tr[data-name='Kept']").get_by_role("button", name="Revoke").click()
    page.locator("#confirm").get_by_role("button", name="Cancel").click()
    assert "active" in page.locator("tr[data-name='Kept']").inner_text()
    assert mcp_status(server, token) == 200


def test_rotating_shows_a_new_value_once_and_the_old_one_fails_at_once(page, server):
    old = create_token(page, "Rotated")
    page.get_by_role("button", name="I have copied it").click()
    page.locator("tr[data-name='Rotated']").get_by_role("button", name="Rotate").click()
    page.locator("#confirm").get_by_role("button", name="Rotate token").click()
    new = wait_for(
        lambda: (v := page.locator("#reveal-token").inner_text()) and v != old and v, what="the rotated value"
    )
    assert mcp_status(server, old) == 401
    assert mcp_status(server, new) == 200


def test_a_bad_token_name_is_refused_with_a_clear_message(page, api):
    page.goto("/settings/mcp")
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Create token").click()
    page.locator(".toast-error", has_text="Token not created").wait_for()
    assert page.locator("#reveal").is_hidden()
    assert all(t["name"].strip() for t in api.get("/api/v1/tokens").json()["items"])


def test_settings_navigation_leads_to_members_and_permissions(page):
    page.goto("/settings/mcp")
    nav = page.get_by_role("navigation", name="Settings")
    assert nav.get_by_role("link", name="MCP").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="Members").get_attribute("href") == "/settings/members"
    assert nav.get_by_role("link", name="Permissions").get_attribute("href") == "/settings/permissions"
