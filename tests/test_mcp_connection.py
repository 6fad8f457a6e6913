"""MCP connection: both protocol eras, /mcp and /mcp/ without redirects, Host/Origin refusal.

Behaviour runs against the in-process app through the full HTTP stack; the one real-HTTP smoke test of the MCP
SDK client against a `plandesk serve` process lives here too (the last test), so the network path stays covered.
"""

from __future__ import annotations

import pytest
from conftest import free_port
from mcp_support import (
    CALL_TIMEOUT,
    LIST_TOOLS,
    MCP_HEADERS,
    connect,
    mcp_client,
    mint,
    ok,
    raw_post,
    tool_names,
)

pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_both_protocol_eras_list_and_call_tools(server, owner_token, mode):
    async with mcp_client(server, owner_token, mode=mode) as c:
        assert "claim_next_task" in await tool_names(c)
        project = await ok(c, "create_project", {"name": f"Made over {mode}"})
        assert (await ok(c, "get_project", {"project_id": project["id"]}))["name"] == f"Made over {mode}"


@pytest.mark.parametrize("path", ["/mcp", "/mcp/"])
def test_both_paths_answer_without_a_redirect(server, owner_token, path):
    r = raw_post(server, LIST_TOOLS, token=owner_token, path=path)
    assert r.status_code == 200, r.text
    assert "create_task" in {t["name"] for t in r.json()["result"]["tools"]}


async def test_the_sdk_client_works_on_the_path_without_slash(server, owner_token):
    async with mcp_client(server, owner_token, path="/mcp") as c:
        assert "list_projects" in await tool_names(c)


def test_responses_are_not_cached_and_send_no_referrer(server, owner_token):
    r = raw_post(server, LIST_TOOLS, token=owner_token)
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1.evil.example", "null", "http://localhost.evil.example:3847"],
)
def test_a_foreign_origin_is_refused_even_with_a_valid_token(server, owner_token, origin):
    r = raw_post(server, LIST_TOOLS, token=owner_token, headers={"origin": origin})
    assert r.status_code == 403


# The address a request was sent to, as the Host header names it (in-process there is no socket to take it from).
SENT_TO = {"host": "127.0.0.1:3847"}


def test_a_local_origin_is_accepted(server, owner_token):
    r = raw_post(
        server, LIST_TOOLS, token=owner_token, headers={**SENT_TO, "origin": "http://localhost:3847"}
    )
    assert r.status_code == 200, r.text


def test_a_page_on_another_loopback_port_is_refused(server, owner_token):
    """Same host, same scheme, another port: another origin (the browser still calls it same-site)."""
    for origin in (f"http://127.0.0.1:{free_port()}", f"http://localhost:{free_port()}", "http://127.0.0.1"):
        r = raw_post(server, LIST_TOOLS, token=owner_token, headers={**SENT_TO, "origin": origin})
        assert r.status_code == 403, origin
        assert r.json()["field"] == "Origin"
    r = raw_post(
        server, LIST_TOOLS, token=owner_token, headers={**SENT_TO, "origin": "https://127.0.0.1:3847"}
    )
    assert r.status_code == 403  # same host and port, other scheme
    r = raw_post(
        server, LIST_TOOLS, token=owner_token, headers={**SENT_TO, "origin": "http://127.0.0.1:3847"}
    )
    assert r.status_code == 200, r.text


def test_a_rest_read_from_another_loopback_port_is_refused_by_the_outer_guard(server):
    with server.client(headers=SENT_TO) as c:
        r = c.get("/api/v1/projects", headers={"Origin": f"http://127.0.0.1:{free_port()}"})
        assert r.status_code == 403
        assert r.json()["message"] == "requests from a foreign Origin are refused"
        assert c.get("/api/v1/projects", headers={"Origin": "http://127.0.0.1:3847"}).status_code == 200


def test_a_rebinding_host_is_refused_even_with_a_valid_token(server, owner_token):
    r = raw_post(server, LIST_TOOLS, token=owner_token, headers={"host": "attacker.example"})
    assert r.status_code == 421


def test_an_unknown_method_is_a_json_rpc_error_not_a_crash(server, owner_token):
    r = raw_post(
        server, {"jsonrpc": "2.0", "id": 7, "method": "tools/explode", "params": {}}, token=owner_token
    )
    assert r.status_code == 200
    assert r.json()["error"]["code"] == -32601


def test_malformed_json_gets_a_4xx(server, owner_token):
    with server.client() as c:
        r = c.post(
            "/mcp/", content=b"{not json", headers={**MCP_HEADERS, "authorization": f"Bearer {owner_token}"}
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
    server, owner_token, params, message
):
    r = raw_post(
        server, {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": params}, token=owner_token
    )
    assert r.status_code == 200
    assert r.json()["error"]["code"] == -32602
    assert message in r.json()["error"]["message"]


def test_an_error_result_carries_its_stable_code_and_field_in_meta(server, owner_token):
    r = raw_post(
        server,
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "tools/call",
            "params": {"name": "create_project", "arguments": {}},
        },
        token=owner_token,
    )
    result = r.json()["result"]
    assert result["isError"] is True
    assert result["content"][0]["text"] == "name is required"
    assert result["_meta"]["plandesk/error"] == {
        "code": "invalid_argument",
        "message": "name is required",
        "field": "name",
    }
    assert "structuredContent" not in result


def test_get_opens_no_server_stream_and_answers_405(server, owner_token):
    with server.client() as c:
        r = c.get("/mcp/", headers={"accept": "text/event-stream", "authorization": f"Bearer {owner_token}"})
        assert r.status_code == 405
        assert "POST" in r.headers["allow"]
        assert c.get("/mcp/").status_code == 401  # no token: still 401 first


async def test_the_sdk_client_over_real_http_lists_and_calls_tools_on_both_paths(serve):
    """The one real-network smoke of the MCP SDK client: a `plandesk serve` process, a socket, both eras."""
    live = serve("process")
    token = mint(live, "smoke agent")
    for mode, url in [("legacy", live.mcp_url), ("auto", live.url + "/mcp")]:
        async with connect(url, token, mode=mode) as c:
            assert "claim_next_task" in await tool_names(c)
            project = await ok(c, "create_project", {"name": f"Smoke over {mode} at {url}"})
            got = await ok(c, "get_project", {"project_id": project["id"]})
            assert got["name"] == f"Smoke over {mode} at {url}"
    with live.client() as c:
        r = c.post("/mcp/", json=LIST_TOOLS, headers={**MCP_HEADERS, "authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert r.json()["result"]["tools"]
        assert c.post("/mcp/", json=LIST_TOOLS, headers=MCP_HEADERS, timeout=CALL_TIMEOUT).status_code == 401
