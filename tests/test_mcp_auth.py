"""MCP authentication: 401 saying why, revocation and rotation effective at once on every server, ?token= kept out
of logs and switchable off per workspace."""

from __future__ import annotations

import json

import pytest
from cli_support import run_cli
from mcp.shared.exceptions import MCPError
from mcp_support import LIST_TOOLS, call, mcp_client, mint, ok, raw_post, tool_names

# In-process; what needs a process (a second server's own token cache, the request log) uses the module's
# `live_server` with an in-process app on the same workspace beside it.
pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]


def _challenge(r) -> str:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.headers["www-authenticate"]


def test_no_token_gets_401_with_a_bearer_challenge(server):
    r = raw_post(server, LIST_TOOLS)
    assert _challenge(r).startswith("Bearer ")
    assert r.json()["reason"] == "missing_token"
    assert "Authorization: Bearer" in r.json()["message"]


@pytest.mark.parametrize("token", ["plandesk_mcp_" + "A" * 43, "not-a-plandesk-token", "plandesk_mcp_"])
def test_a_wrong_token_gets_401_invalid_token(server, token):
    r = raw_post(server, LIST_TOOLS, token=token)
    assert 'error="invalid_token"' in _challenge(r)
    assert r.json()["reason"] == "invalid_token"


def test_an_expired_token_gets_401_expired_token(server, clock):
    token = mint(server, "short-lived", expires="1h")
    assert raw_post(server, LIST_TOOLS, token=token).status_code == 200
    clock.advance(3601)  # the hour is over
    r = raw_post(server, LIST_TOOLS, token=token)
    _challenge(r)
    assert r.json()["reason"] == "expired_token"
    assert "expired" in r.json()["message"]


async def test_a_revoked_token_gets_401_on_its_very_next_call(server):
    token = mint(server, "to revoke")
    async with mcp_client(server, token) as c:
        assert (await ok(c, "list_projects"))["items"] is not None
        assert server.client().post(f"/api/v1/tokens/{token[:19]}/revoke").status_code == 200
        with pytest.raises(MCPError):  # the SDK wraps the 401; the raw status is checked below
            await call(c, "list_projects")
    r = raw_post(server, LIST_TOOLS, token=token)
    assert 'error="invalid_token"' in _challenge(r)
    assert r.json()["reason"] == "revoked_token"


def test_revocation_in_the_cli_reaches_a_second_server_on_the_same_database(live_server, serve):
    second = serve("app", live_server.workspace)  # a second server, with a token cache of its own
    token = live_server.workspace.create_token("two servers")
    for srv in (live_server, second):
        assert raw_post(srv, LIST_TOOLS, token=token).status_code == 200
    run_cli(live_server.workspace, "token", "revoke", "two servers")
    for srv in (second, live_server):
        r = raw_post(srv, LIST_TOOLS, token=token)
        _challenge(r)
        assert r.json()["reason"] == "revoked_token"


def test_a_rotated_tokens_old_value_fails_at_once_and_the_new_one_works(live_server, serve):
    second = serve("app", live_server.workspace)
    old = live_server.workspace.create_token("rotating")
    assert raw_post(second, LIST_TOOLS, token=old).status_code == 200
    new = run_cli(live_server.workspace, "token", "rotate", "rotating").stdout.strip().splitlines()[-1]
    assert new != old
    assert new.startswith("plandesk_mcp_")
    for srv in (live_server, second):
        r = raw_post(srv, LIST_TOOLS, token=old)
        _challenge(r)
        assert r.json()["reason"] == "invalid_token"
        assert raw_post(srv, LIST_TOOLS, token=new).status_code == 200


async def test_a_url_token_works_and_never_reaches_any_log(live_server, serve):
    second = serve("app", live_server.workspace)
    token = mint(live_server, "url form")
    for srv in (live_server, second):
        async with mcp_client(srv, path=f"/mcp/?token={token}") as c:
            assert "list_projects" in await tool_names(c)
            await ok(c, "list_projects")
        bad = raw_post(srv, LIST_TOOLS, path=f"/mcp/?token={token}x")  # a failing one is logged too
        assert bad.status_code == 401
    log = live_server.wait_for_log("/mcp/?token=[redacted]")
    assert "/mcp/?token=[redacted]" in log  # the requests were logged, with the value taken out
    assert token not in log
    assert token[len("plandesk_mcp_") :] not in log


def test_the_workspace_can_turn_the_url_form_off(server, owner_token):
    api = server.client()
    token = mint(server, "url form off")
    assert raw_post(server, LIST_TOOLS, path=f"/mcp/?token={token}").status_code == 200
    r = api.put("/api/v1/settings/mcp", json={"allow_url_token": False})
    assert r.status_code == 200
    assert r.json()["allow_url_token"] is False
    try:
        r = raw_post(server, LIST_TOOLS, path=f"/mcp/?token={token}")
        _challenge(r)
        assert "does not accept ?token=" in r.json()["message"]
        assert raw_post(server, LIST_TOOLS, token=token).status_code == 200  # the header still works
        assert api.get("/api/v1/settings/mcp").json()["allow_url_token"] is False
    finally:
        assert api.put("/api/v1/settings/mcp", json={"allow_url_token": True}).status_code == 200
    assert raw_post(server, LIST_TOOLS, path=f"/mcp/?token={token}").status_code == 200


def test_a_token_cannot_change_the_mcp_settings(server, owner_token):
    r = server.client().put(
        "/api/v1/settings/mcp",
        json={"allow_url_token": False},
        headers={"authorization": f"Bearer {owner_token}"},
    )
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert server.client().get("/api/v1/settings/mcp").json()["allow_url_token"] is True


def test_mcp_settings_refuse_unknown_fields_and_non_booleans(server):
    api = server.client()
    r = api.put("/api/v1/settings/mcp", json={"allow_url_tokens": False})
    assert r.status_code == 400
    assert r.json()["field"] == "allow_url_tokens"
    r = api.put("/api/v1/settings/mcp", json={"allow_url_token": "sometimes"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_argument"


def test_a_bad_url_narrowing_is_a_400_naming_the_parameter(server, owner_token):
    r = raw_post(server, LIST_TOOLS, path="/mcp/?toolsets=planning,astrology", token=owner_token)
    assert r.status_code == 400
    assert r.json()["field"] == "toolsets"
    assert "astrology" in r.json()["message"]
    r = raw_post(server, LIST_TOOLS, path="/mcp/?readonly=maybe", token=owner_token)
    assert r.status_code == 400
    assert r.json()["field"] == "readonly"


RATE = 5  # one request refills every 12 s: far longer than the burst below takes


@pytest.fixture
def limited(serve, tmp_path):
    from conftest import new_workspace

    ws = new_workspace(tmp_path)
    (ws.data_dir / "config.json").write_text(json.dumps({"rate_limit_per_minute": RATE}))
    return serve("app", ws)


def test_a_percent_encoded_token_name_in_the_url_is_rate_limited_like_the_plain_one(limited):
    token = mint(limited, "encoded name")
    codes = [raw_post(limited, LIST_TOOLS, path=f"/mcp/?%74oken={token}").status_code for _ in range(RATE)]
    assert codes == [200] * RATE  # the encoded name authenticates...
    r = raw_post(limited, LIST_TOOLS, path=f"/mcp/?%74oken={token}")
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"  # ...and is counted


def test_a_percent_encoded_url_token_never_reaches_the_log(live_server):
    token = mint(live_server, "encoded value")
    encoded = "".join(f"%{b:02X}" for b in token.encode())
    path = f"/mcp/?%74oken={encoded}&probe=encoded-value"
    assert raw_post(live_server, LIST_TOOLS, path=path).status_code == 200
    log = live_server.wait_for_log("probe=encoded-value")
    assert "token=[redacted]" in log
    tail = token[len("plandesk_mcp_") :]
    assert tail not in log
    assert "".join(f"%{b:02X}" for b in tail.encode()) not in log


def test_two_authorization_headers_get_400_on_mcp(server, owner_token):
    other = mint(server, "second header")
    headers = [
        ("authorization", f"Bearer {owner_token}"),
        ("authorization", f"Bearer {other}"),
        ("accept", "application/json, text/event-stream"),
        ("content-type", "application/json"),
    ]
    with server.client() as c:
        r = c.post("/mcp/", content=json.dumps(LIST_TOOLS), headers=headers)
    assert r.status_code == 400
    assert r.json()["field"] == "authorization"
    assert "one Authorization header" in r.json()["message"]


def test_two_authorization_headers_get_400_on_rest(server, owner_token):
    headers = [("authorization", f"Bearer {owner_token}"), ("authorization", "Bearer plandesk_mcp_other")]
    with server.client() as c:
        r = c.get("/api/v1/projects", headers=headers)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_argument"
