"""Connecting by signing in, end to end: the MCP SDK's own OAuth client, a live server, the consent page in Chromium."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from web_support import CHROMIUM, LAUNCH_ARGS

# Playwright's async API here (the SDK's OAuth client awaits the consent page), so a Chromium of its own.
pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # the SDK and Chromium need a real port
CALLBACK = "http://127.0.0.1:5599/callback"  # never listened on: Chromium's request to it is intercepted
MCP_HEADERS = {
    "accept": "application/json, text/event-stream",
    "mcp-protocol-version": "2025-11-25",
    "content-type": "application/json",
}
TIMEOUT = 60


class MemoryStorage:
    """The SDK's TokenStorage protocol, kept in memory: what a client app would write to its keychain."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None
        self.history: list[OAuthToken] = []

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.history.append(tokens)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


async def _run(live) -> None:
    from playwright.async_api import async_playwright

    mcp_url = live.url + "/mcp/"
    storage = MemoryStorage()
    seen: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = await browser.new_context()
        context.set_default_timeout(20_000)
        page = await context.new_page()
        arrived = anyio.Event()

        async def intercept(route) -> None:
            seen["callback"] = route.request.url
            arrived.set()
            await route.fulfill(status=200, body="You can close this window.")

        await page.route(CALLBACK + "*", intercept)

        async def redirect_handler(url: str) -> None:
            # The person: the app opened the browser; Plan Desk shows who asks and where the answer goes.
            await page.goto(url)
            seen["client_name"] = await page.locator("#client-name").inner_text()
            seen["redirect_host"] = await page.locator("#redirect-host").inner_text()
            await page.click("#allow")
            with anyio.fail_after(TIMEOUT):
                await arrived.wait()
            # The answer was sent; the page's navigation to it ends a moment later. Wait for that, or the goto
            # to Settings below can be cut short by it ("interrupted by another navigation") on a busy machine.
            await page.wait_for_url(CALLBACK + "*")

        async def callback_handler() -> AuthorizationCodeResult:
            query = {k: v[0] for k, v in parse_qs(urlsplit(seen["callback"]).query).items()}
            return AuthorizationCodeResult(code=query["code"], state=query.get("state"))

        auth = OAuthClientProvider(
            mcp_url,
            OAuthClientMetadata(
                client_name="Pytest Agent",
                redirect_uris=[CALLBACK],
                token_endpoint_auth_method="none",
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
            ),
            storage,
            redirect_handler=redirect_handler,
            callback_handler=callback_handler,
        )

        async with httpx2.AsyncClient(auth=auth, timeout=TIMEOUT) as http:
            with anyio.fail_after(TIMEOUT):
                async with Client(streamable_http_client(mcp_url, http_client=http), mode="legacy") as client:
                    made = await client.call_tool("create_project", {"name": "Made by an app that signed in"})
                    assert not made.is_error, made
            assert seen["client_name"] == "Pytest Agent"
            assert seen["redirect_host"] == "127.0.0.1:5599"
            first = storage.tokens
            assert first is not None
            assert first.access_token.startswith("plandesk_mcp_")
            assert first.refresh_token

            # An hour later for the client: it refreshes by itself before its next call (the SDK decides by
            # its own expiry record, so that record is moved, not Plan Desk's clock).
            auth.context.token_expiry_time = time.time() - 1
            with anyio.fail_after(TIMEOUT):
                async with Client(streamable_http_client(mcp_url, http_client=http), mode="legacy") as client:
                    listed = await client.call_tool("list_projects", {})
                    assert not listed.is_error
            second = storage.tokens
            assert second.refresh_token != first.refresh_token
            assert second.access_token != first.access_token

        async with httpx2.AsyncClient(base_url=live.url, timeout=TIMEOUT) as raw:
            reused = await raw.post(
                "/oauth/token",
                data={
                    "grant_type": "refresh_token",
                    "client_id": storage.client.client_id,
                    "refresh_token": first.refresh_token,
                },
            )
            assert reused.status_code == 400
            assert reused.json()["error"] == "invalid_grant"
            ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
            old = await raw.post(
                "/mcp/", json=ping, headers={**MCP_HEADERS, "authorization": f"Bearer {first.access_token}"}
            )
            assert old.status_code == 401
            live_call = await raw.post(
                "/mcp/", json=ping, headers={**MCP_HEADERS, "authorization": f"Bearer {second.access_token}"}
            )
            assert live_call.status_code == 200

            # Settings → MCP lists the connection by the app's name; revoking it there ends it.
            await page.goto(live.url + "/settings/mcp")
            row = page.locator("tr", has_text="Pytest Agent")
            assert "signed-in app" in await row.inner_text()
            await row.locator("[data-token-action=revoke]").click()
            await page.click("#confirm-ok")
            await page.locator("tr.token-revoked", has_text="Pytest Agent").wait_for()
            after = await raw.post(
                "/mcp/", json=ping, headers={**MCP_HEADERS, "authorization": f"Bearer {second.access_token}"}
            )
            assert after.status_code == 401
            assert 'resource_metadata="' in after.headers["www-authenticate"]
        await browser.close()


def test_an_agent_connects_by_signing_in_refreshes_and_is_revoked_in_settings(server):
    anyio.run(_run, server)
