"""MCP authentication: 401 saying why, revocation and rotation effective at once on every server, ?token= kept out
of logs and switchable off per workspace."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx2
import pytest
from conftest import start_server
from mcp.shared.exceptions import MCPError
from sqlalchemy import update
from test_mcp_connection import (  # noqa: F401
    LIST_TOOLS,
    anyio_backend,
    call,
    connect,
    live,
    mint,
    ok,
    owner_token,
    raw_post,
    tool_names,
)

from plandesk.core.clock import now
from plandesk.core.workspace import open_database
from plandesk.db.schema import api_tokens

pytestmark = pytest.mark.anyio


def _challenge(r) -> str:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.headers["www-authenticate"]


def test_no_token_gets_401_with_a_bearer_challenge(live):
    r = raw_post(live.mcp_url, LIST_TOOLS)
    assert _challenge(r).startswith("Bearer ")
    assert r.json()["reason"] == "missing_token" and "Authorization: Bearer" in r.json()["message"]


@pytest.mark.parametrize("token", ["plandesk_mcp_" + "A" * 43, "not-a-plandesk-token", "plandesk_mcp_"])
def test_a_wrong_token_gets_401_invalid_token(live, token):
    r = raw_post(live.mcp_url, LIST_TOOLS, token=token)
    assert 'error="invalid_token"' in _challenge(r)
    assert r.json()["reason"] == "invalid_token"


def test_an_expired_token_gets_401_expired_token(live):
    token = mint(live, "short-lived", expires="1h")
    db = open_database(live.workspace.settings())
    try:
        with db.write() as tx:  # arrange: the hour is over
            tx.conn.execute(
                update(api_tokens)
                .where(api_tokens.c.prefix == token[:19])
                .values(expires_at=now() - timedelta(seconds=1))
            )
    finally:
        db.dispose()
    r = raw_post(live.mcp_url, LIST_TOOLS, token=token)
    _challenge(r)
    assert r.json()["reason"] == "expired_token" and "expired" in r.json()["message"]


async def test_a_revoked_token_gets_401_on_its_very_next_call(live):
    token = mint(live, "to revoke")
    async with connect(live.mcp_url, token) as c:
        assert (await ok(c, "list_projects"))["items"] is not None
        assert live.client().post(f"/api/v1/tokens/{token[:19]}/revoke").status_code == 200
        with pytest.raises(MCPError):  # the SDK wraps the 401; the raw status is checked below
            await call(c, "list_projects")
    r = raw_post(live.mcp_url, LIST_TOOLS, token=token)
    assert 'error="invalid_token"' in _challenge(r)
    assert r.json()["reason"] == "revoked_token"


def test_revocation_in_the_cli_reaches_a_second_server_on_the_same_database(live):
    second = start_server(live.workspace)
    try:
        token = live.workspace.create_token("two servers")
        for srv in (live, second):
            assert raw_post(srv.mcp_url, LIST_TOOLS, token=token).status_code == 200
        live.workspace.cli("token", "revoke", "two servers")
        for srv in (second, live):
            r = raw_post(srv.mcp_url, LIST_TOOLS, token=token)
            _challenge(r)
            assert r.json()["reason"] == "revoked_token"
    finally:
        second.stop()


def test_a_rotated_tokens_old_value_fails_at_once_and_the_new_one_works(live):
    second = start_server(live.workspace)
    try:
        old = live.workspace.create_token("rotating")
        assert raw_post(second.mcp_url, LIST_TOOLS, token=old).status_code == 200
        new = live.workspace.cli("token", "rotate", "rotating").stdout.strip().splitlines()[-1]
        assert new != old and new.startswith("plandesk_mcp_")
        for srv in (live, second):
            r = raw_post(srv.mcp_url, LIST_TOOLS, token=old)
            _challenge(r)
            assert r.json()["reason"] == "invalid_token"
            assert raw_post(srv.mcp_url, LIST_TOOLS, token=new).status_code == 200
    finally:
        second.stop()


async def test_a_url_token_works_and_never_reaches_any_log(live):
    second = start_server(live.workspace)
    try:
        token = mint(live, "url form")
        for srv in (live, second):
            async with connect(f"{srv.mcp_url}?token={token}") as c:
                assert "list_projects" in await tool_names(c)
                await ok(c, "list_projects")
            bad = raw_post(f"{srv.mcp_url}?token={token}x", LIST_TOOLS)  # a failing one is logged too
            assert bad.status_code == 401
    finally:
        second.stop()
    for srv in (live, second):
        log = srv.wait_for_log("/mcp/?token=[redacted]")
        assert "/mcp/?token=[redacted]" in log  # the requests were logged, with the value taken out
        assert token not in log and token[len("plandesk_mcp_") :] not in log


def test_the_workspace_can_turn_the_url_form_off(live, owner_token):
    api = live.client()
    token = mint(live, "url form off")
    assert raw_post(f"{live.mcp_url}?token={token}", LIST_TOOLS).status_code == 200
    r = api.put("/api/v1/settings/mcp", json={"allow_url_token": False})
    assert r.status_code == 200 and r.json()["allow_url_token"] is False
    try:
        r = raw_post(f"{live.mcp_url}?token={token}", LIST_TOOLS)
        _challenge(r)
        assert "does not accept ?token=" in r.json()["message"]
        assert raw_post(live.mcp_url, LIST_TOOLS, token=token).status_code == 200  # the header still works
        assert api.get("/api/v1/settings/mcp").json()["allow_url_token"] is False
    finally:
        assert api.put("/api/v1/settings/mcp", json={"allow_url_token": True}).status_code == 200
    assert raw_post(f"{live.mcp_url}?token={token}", LIST_TOOLS).status_code == 200


def test_a_token_cannot_change_the_mcp_settings(live, owner_token):
    r = live.client().put(
        "/api/v1/settings/mcp",
        json={"allow_url_token": False},
        headers={"authorization": f"Bearer {owner_token}"},
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert live.client().get("/api/v1/settings/mcp").json()["allow_url_token"] is True


def test_mcp_settings_refuse_unknown_fields_and_non_booleans(live):
    api = live.client()
    r = api.put("/api/v1/settings/mcp", json={"allow_url_tokens": False})
    assert r.status_code == 400 and r.json()["field"] == "allow_url_tokens"
    r = api.put("/api/v1/settings/mcp", json={"allow_url_token": "sometimes"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_argument"


def test_a_bad_url_narrowing_is_a_400_naming_the_parameter(live, owner_token):
    r = raw_post(f"{live.mcp_url}?toolsets=planning,astrology", LIST_TOOLS, token=owner_token)
    assert r.status_code == 400 and r.json()["field"] == "toolsets" and "astrology" in r.json()["message"]
    r = raw_post(f"{live.mcp_url}?readonly=maybe", LIST_TOOLS, token=owner_token)
    assert r.status_code == 400 and r.json()["field"] == "readonly"


RATE = 5  # one request refills every 12 s: far longer than the burst below takes


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    from conftest import drop_pg_database, new_workspace

    ws = new_workspace(tmp_path_factory.mktemp("limited"))
    srv = start_server(ws, extra_env={"PLANDESK_RATE_LIMIT_PER_MINUTE": str(RATE)})
    yield srv
    srv.stop()
    if ws.database_url:
        drop_pg_database(ws.database_url)


def test_a_percent_encoded_token_name_in_the_url_is_rate_limited_like_the_plain_one(limited):
    token = mint(limited, "encoded name")
    codes = [raw_post(f"{limited.mcp_url}?%74oken={token}", LIST_TOOLS).status_code for _ in range(RATE)]
    assert codes == [200] * RATE  # the encoded name authenticates...
    r = raw_post(f"{limited.mcp_url}?%74oken={token}", LIST_TOOLS)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"  # ...and is counted


def test_a_percent_encoded_url_token_never_reaches_the_log(limited):
    token = mint(limited, "encoded value")
    encoded = "".join(f"%{b:02X}" for b in token.encode())
    assert raw_post(f"{limited.mcp_url}?%74oken={encoded}&probe=encoded-value", LIST_TOOLS).status_code == 200
    log = limited.wait_for_log("probe=encoded-value")
    assert "token=[redacted]" in log
    tail = token[len("plandesk_mcp_") :]
    assert tail not in log and "".join(f"%{b:02X}" for b in tail.encode()) not in log


def test_two_authorization_headers_get_400_on_mcp(live, owner_token):
    other = mint(live, "second header")
    headers = [
        ("authorization", f"Bearer {owner_token}"),
        ("authorization", f"Bearer {other}"),
        ("accept", "application/json, text/event-stream"),
        ("content-type", "application/json"),
    ]
    r = httpx2.post(live.mcp_url, content=json.dumps(LIST_TOOLS), headers=headers, timeout=30)
    assert r.status_code == 400 and r.json()["field"] == "authorization"
    assert "one Authorization header" in r.json()["message"]


def test_two_authorization_headers_get_400_on_rest(live, owner_token):
    headers = [("authorization", f"Bearer {owner_token}"), ("authorization", "Bearer plandesk_mcp_other")]
    r = httpx2.get(f"{live.url}/api/v1/projects", headers=headers, timeout=30)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_argument"
