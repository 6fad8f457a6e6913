"""MCP connection: both protocol eras, /mcp and /mcp/ without redirects, Host/Origin refusal; shared MCP fixtures.

The client helpers (`connect`, `call`, `ok`, `error`, `tool_names`) live in mcp_support; the other test_mcp_*
modules still take them, and `live`, from here.
"""

from __future__ import annotations

import httpx2
import pytest
from conftest import drop_pg_database, free_port, new_workspace, start_server
from mcp_support import CALL_TIMEOUT, call, connect, error, ok, tool_names  # noqa: F401 - re-exported

pytestmark = pytest.mark.anyio
MCP_HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": "2025-11-25",
}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One server per test module on a fresh workspace: starting a server costs seconds on this machine."""
    ws = new_workspace(tmp_path_factory.mktemp("mcp"))
    srv = start_server(ws)
    yield srv
    srv.stop()
    if ws.database_url:
        drop_pg_database(ws.database_url)


def mint(server, name: str = "agent", **scopes) -> str:
    """A raw token from the REST API the UI uses (the loopback owner is signed in)."""
    r = server.client().post("/api/v1/tokens", json={"name": name, **scopes})
    assert r.status_code == 201, r.text
    return r.json()["token"]


@pytest.fixture(scope="module")
def owner_token(live) -> str:
    return mint(live, "owner agent")


def raw_post(
    url: str, body: dict, *, token: str | None = None, headers: dict | None = None
) -> httpx2.Response:
    """One JSON-RPC POST without the SDK, to see the HTTP status the SDK client would wrap."""
    hdrs = {**MCP_HEADERS, **({"authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    return httpx2.post(url, json=body, headers=hdrs, timeout=CALL_TIMEOUT)


LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_both_protocol_eras_list_and_call_tools(live, owner_token, mode):
    async with connect(live.mcp_url, owner_token, mode=mode) as c:
        assert "claim_next_task" in await tool_names(c)
        project = await ok(c, "create_project", {"name": f"Made over {mode}"})
        assert (await ok(c, "get_project", {"project_id": project["id"]}))["name"] == f"Made over {mode}"


@pytest.mark.parametrize("path", ["/mcp", "/mcp/"])
def test_both_paths_answer_without_a_redirect(live, owner_token, path):
    r = raw_post(live.url + path, LIST_TOOLS, token=owner_token)
    assert r.status_code == 200, r.text
    assert "create_task" in {t["name"] for t in r.json()["result"]["tools"]}


async def test_the_sdk_client_works_on_the_path_without_slash(live, owner_token):
    async with connect(live.url + "/mcp", owner_token) as c:
        assert "list_projects" in await tool_names(c)


def test_responses_are_not_cached_and_send_no_referrer(live, owner_token):
    r = raw_post(live.mcp_url, LIST_TOOLS, token=owner_token)
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1.evil.example", "null", "http://localhost.evil.example:3847"],
)
def test_a_foreign_origin_is_refused_even_with_a_valid_token(live, owner_token, origin):
    r = raw_post(live.mcp_url, LIST_TOOLS, token=owner_token, headers={"origin": origin})
    assert r.status_code == 403


def test_a_page_on_another_loopback_port_is_refused(live, owner_token):
    """Same host, same scheme, another port: another origin (the browser still calls it same-site)."""
    for origin in (f"http://127.0.0.1:{free_port()}", f"http://localhost:{free_port()}", "http://127.0.0.1"):
        r = raw_post(live.mcp_url, LIST_TOOLS, token=owner_token, headers={"origin": origin})
        assert r.status_code == 403, origin
        assert r.json()["field"] == "Origin"
    r = raw_post(
        live.mcp_url, LIST_TOOLS, token=owner_token, headers={"origin": f"https://127.0.0.1:{live.port}"}
    )
    assert r.status_code == 403  # same host and port, other scheme
    r = raw_post(live.mcp_url, LIST_TOOLS, token=owner_token, headers={"origin": live.url})
    assert r.status_code == 200, r.text


def test_a_rest_read_from_another_loopback_port_is_refused_by_the_outer_guard(live):
    r = live.client().get("/api/v1/projects", headers={"Origin": f"http://127.0.0.1:{free_port()}"})
    assert r.status_code == 403
    assert r.json()["message"] == "requests from a foreign Origin are refused"
    r = live.client().get("/api/v1/projects", headers={"Origin": live.url})
    assert r.status_code == 200


def test_a_local_origin_is_accepted(live, owner_token):
    r = raw_post(
        live.mcp_url, LIST_TOOLS, token=owner_token, headers={"origin": f"http://localhost:{live.port}"}
    )
    assert r.status_code == 200, r.text


def test_a_rebinding_host_is_refused_even_with_a_valid_token(live, owner_token):
    r = raw_post(live.mcp_url, LIST_TOOLS, token=owner_token, headers={"host": "attacker.example"})
    assert r.status_code == 421


def test_an_unknown_method_is_a_json_rpc_error_not_a_crash(live, owner_token):
    r = raw_post(
        live.mcp_url, {"jsonrpc": "2.0", "id": 7, "method": "tools/explode", "params": {}}, token=owner_token
    )
    assert r.status_code == 200 and r.json()["error"]["code"] == -32601


def test_malformed_json_gets_a_4xx(live, owner_token):
    r = httpx2.post(
        live.mcp_url, content=b"{not json", headers={**MCP_HEADERS, "authorization": f"Bearer {owner_token}"}
    )
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"name": "create_task", "arguments": [1, 2]},
            "params.arguments must be an object of named arguments",
        ),
        ({"arguments": {}}, "tools/call needs params.name"),
    ],
)
def test_malformed_call_params_get_a_json_rpc_error_that_says_what_is_wrong(
    live, owner_token, params, message
):
    r = raw_post(
        live.mcp_url, {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": params}, token=owner_token
    )
    assert r.status_code == 200 and r.json()["error"]["code"] == -32602
    assert message in r.json()["error"]["message"]


def test_an_error_result_carries_its_stable_code_and_field_in_meta(live, owner_token):
    r = raw_post(
        live.mcp_url,
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "tools/call",
            "params": {"name": "create_project", "arguments": {}},
        },
        token=owner_token,
    )
    result = r.json()["result"]
    assert result["isError"] is True and result["content"][0]["text"] == "name is required"
    assert result["_meta"]["plandesk/error"] == {
        "code": "invalid_argument",
        "message": "name is required",
        "field": "name",
    }
    assert "structuredContent" not in result


def test_get_opens_no_server_stream_and_answers_405(live, owner_token):
    r = httpx2.get(
        live.mcp_url,
        headers={"accept": "text/event-stream", "authorization": f"Bearer {owner_token}"},
        timeout=CALL_TIMEOUT,
    )
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    assert httpx2.get(live.mcp_url, timeout=CALL_TIMEOUT).status_code == 401  # no token: still 401 first
