"""MCP authorization (OAuth 2.1) over HTTP, in process: discovery, the rules, and every refusal the issue names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from cli_support import run_cli
from oauth_fixtures import (  # noqa: F401 - app and c are fixtures
    MCP_HEADERS,
    ORIGIN,
    REDIRECT,
    answer,
    app,
    authorize,
    c,
    code_for,
    connect,
    consent_page,
    db_of,
    exchange,
    mcp_call,
    pkce,
    query_of,
    register,
)
from starlette.testclient import TestClient

from plandesk.core import audit, tokens, users
from plandesk.core.clock import now

PASSWORD = "correct horse battery staple"


def sign_in(client: TestClient, email: str) -> TestClient:
    page = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
        headers={"origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


@pytest.fixture
def viewer(app, c):
    """The same client signed in as a viewer (a second person ends local mode: the pages ask who you are)."""
    db = db_of(app)
    users.create_user(
        db, users.local_owner_actor(db), email="viewer@example.com", role="viewer", password=PASSWORD
    )
    return sign_in(c, "viewer@example.com")


# Discovery


def test_a_bare_401_names_the_protected_resource_metadata(c):
    r = c.post("/mcp/", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=MCP_HEADERS)
    assert r.status_code == 401
    assert (
        f'resource_metadata="{ORIGIN}/.well-known/oauth-protected-resource/mcp"'
        in r.headers["www-authenticate"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource/mcp/",
    ],
)
def test_protected_resource_metadata_names_this_server_as_its_authorization_server(c, path):
    body = c.get(path).json()
    assert body["resource"] == ORIGIN + "/mcp"
    assert body["authorization_servers"] == [ORIGIN]


def test_authorization_server_metadata_offers_pkce_s256_only_and_every_endpoint(c):
    body = c.get("/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == ORIGIN
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert {
        body[k]
        for k in ("authorization_endpoint", "token_endpoint", "registration_endpoint", "revocation_endpoint")
    } == {ORIGIN + p for p in ("/oauth/authorize", "/oauth/token", "/oauth/register", "/oauth/revoke")}


# Codes and PKCE


def test_a_wrong_pkce_verifier_is_refused(c):
    client = register(c)
    _, challenge = pkce()
    code = code_for(c, client["client_id"], challenge)
    r = exchange(c, client["client_id"], code, pkce()[0])
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def test_a_plain_pkce_method_is_refused(c):
    client = register(c)
    r = c.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": REDIRECT,
            "code_challenge": "x" * 43,
            "code_challenge_method": "plain",
            "state": "s",
        },
        follow_redirects=False,
    )
    assert r.status_code == 302
    assert query_of(r.headers["location"])["error"] == "invalid_request"


def test_a_reused_code_is_refused_and_the_tokens_it_gave_stop_working(c):
    client = register(c)
    verifier, challenge = pkce()
    code = code_for(c, client["client_id"], challenge)
    first = exchange(c, client["client_id"], code, verifier).json()
    assert mcp_call(c, first["access_token"]).status_code == 200
    again = exchange(c, client["client_id"], code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert mcp_call(c, first["access_token"]).status_code == 401


def test_an_expired_code_is_refused(c, monkeypatch):
    client = register(c)
    verifier, challenge = pkce()
    code = code_for(c, client["client_id"], challenge)
    later = now() + timedelta(minutes=6)  # codes live five minutes
    monkeypatch.setattr("plandesk.core.oauth.now", lambda: later)
    r = exchange(c, client["client_id"], code, verifier)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"
    assert "expired" in r.json()["error_description"]


# Redirect URIs


def test_a_redirect_uri_that_was_not_registered_is_refused_without_redirecting(c):
    client = register(c)
    r = authorize(c, client["client_id"], pkce()[1], redirect="http://127.0.0.1:5555/elsewhere")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


def test_a_loopback_redirect_may_come_back_on_another_port(c):
    client = register(c)
    r = authorize(c, client["client_id"], pkce()[1], redirect="http://127.0.0.1:61234/callback")
    assert r.status_code == 302
    assert "/oauth/consent?request=" in r.headers["location"]


def test_registration_refuses_a_remote_redirect_until_an_owner_allows_its_host(c):
    r = c.post(
        "/oauth/register", json={"client_name": "Web app", "redirect_uris": ["https://app.example/cb"]}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_redirect_uri"
    assert c.put("/api/v1/settings/oauth", json={"redirect_hosts": ["app.example"]}).status_code == 200
    assert register(c, "https://app.example/cb")["redirect_uris"] == ["https://app.example/cb"]


def test_an_owner_can_switch_registration_off(c):
    assert c.put("/api/v1/settings/oauth", json={"registration_open": False}).status_code == 200
    r = c.post("/oauth/register", json={"client_name": "x", "redirect_uris": [REDIRECT]})
    assert r.status_code == 403
    assert "registration_endpoint" not in c.get("/.well-known/oauth-authorization-server").json()


# Audience


def test_a_token_for_another_resource_is_refused(c):
    client = register(c)
    r = authorize(c, client["client_id"], pkce()[1], resource="https://other.example/mcp")
    assert r.status_code == 302
    assert query_of(r.headers["location"])["error"] == "invalid_target"


def test_a_token_another_plan_desk_issued_gets_401(c, tmp_path):
    from plandesk.app import create_app
    from plandesk.settings import load_settings

    other_dir = tmp_path / "other"
    other_dir.mkdir()
    with TestClient(
        create_app(load_settings(data_dir=other_dir)), base_url=ORIGIN, client=("127.0.0.1", 50002)
    ) as other:
        _, foreign = connect(other)
    assert mcp_call(c, foreign["access_token"]).status_code == 401


# Refresh, revocation, the person's choices


def test_refresh_rotates_both_tokens_and_the_old_refresh_token_fails(c):
    client, first = connect(c)
    data = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": client["client_id"],
    }
    second = c.post("/oauth/token", data=data).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert mcp_call(c, second["access_token"]).status_code == 200
    assert mcp_call(c, first["access_token"]).status_code == 401
    reused = c.post("/oauth/token", data=data)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_the_revocation_endpoint_ends_access_and_refresh(c):
    client, tokens = connect(c)
    r = c.post(
        "/oauth/revoke",
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": client["client_id"],
        },
    )
    assert r.status_code == 200
    assert mcp_call(c, tokens["access_token"]).status_code == 401
    r = c.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": client["client_id"],
        },
    )
    assert r.status_code == 400


def test_denying_sends_access_denied_back_to_the_app(c):
    client = register(c)
    r = authorize(c, client["client_id"], pkce()[1])
    back = query_of(answer(c, r.headers["location"], decision="deny"))
    assert back == {"error": "access_denied", "error_description": "the person declined", "state": "s-1"}


def test_the_consent_form_without_its_csrf_token_is_refused(c):
    client = register(c)
    r = authorize(c, client["client_id"], pkce()[1])
    page = consent_page(c, r.headers["location"])
    request_id = re.search(r'name="request" value="([^"]+)"', page.text).group(1)
    r = c.post(
        "/oauth/consent",
        data={"csrf_token": "forged" * 8, "request": request_id, "decision": "allow"},
        headers={"origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_a_read_only_choice_lists_no_write_tools(c):
    _, tokens = connect(c, read_only="1")
    assert tokens["scope"] == "read"
    names = {t["name"] for t in mcp_call(c, tokens["access_token"]).json()["result"]["tools"]}
    assert "list_projects" in names
    assert "create_task" not in names


def test_a_grant_is_listed_in_settings_mcp_with_its_client_name(c):
    connect(c)
    html = c.get("/settings/mcp", headers={"accept": "text/html"}).text
    assert "Test Agent" in html
    assert "signed-in app" in html


def test_changes_made_through_a_grant_are_audited_with_its_client_name(c, app):
    _, granted = connect(c)
    r = mcp_call(
        c, granted["access_token"], "tools/call", {"name": "create_project", "arguments": {"name": "Via app"}}
    )
    assert r.status_code == 200, r.text
    assert not r.json()["result"].get("isError"), r.text
    db = db_of(app)
    with db.read() as conn:
        entry = audit.list_entries(conn, project_id=None, filters=audit.AuditFilter(action="project.create"))[
            "items"
        ][0]
    token_row = next(
        t for t in tokens.list_tokens(db, users.local_owner_actor(db)) if t["id"] == entry["token_id"]
    )
    assert token_row["name"] == "Test Agent"


def test_a_removed_person_s_grant_stops_and_cannot_be_refreshed(app, c, viewer):
    db = db_of(app)
    client = register(viewer)
    verifier, challenge = pkce()
    code = code_for(viewer, client["client_id"], challenge)
    tokens = exchange(viewer, client["client_id"], code, verifier).json()
    viewer_id = users.find_by_email(db, "viewer@example.com")["id"]
    users.remove_user(db, users.local_owner_actor(db), viewer_id)
    assert mcp_call(c, tokens["access_token"]).status_code == 401
    r = c.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": client["client_id"],
        },
    )
    assert r.status_code == 400


# Never more than the role allows


def test_a_viewer_asking_for_write_gets_a_read_only_connection(viewer):
    client = register(viewer)
    verifier, challenge = pkce()
    r = authorize(viewer, client["client_id"], challenge, scope="read write")
    page = consent_page(viewer, r.headers["location"])
    assert "Your role is viewer" in page.text
    code = query_of(answer(viewer, r.headers["location"]))[
        "code"
    ]  # the form cannot un-tick read-only for a viewer
    tokens = exchange(viewer, client["client_id"], code, verifier).json()
    assert tokens["scope"] == "read"
    r = mcp_call(
        viewer, tokens["access_token"], "tools/call", {"name": "create_project", "arguments": {"name": "x"}}
    )
    assert r.json()["result"]["isError"] is True


def test_code_operations_wider_than_the_role_are_narrowed(viewer):
    client = register(viewer)
    verifier, challenge = pkce()
    r = authorize(viewer, client["client_id"], challenge, scope="read write code")
    code = query_of(
        answer(viewer, r.headers["location"], toolsets="code", operations=["code.read", "code.write", "exec"])
    )["code"]
    tokens = exchange(viewer, client["client_id"], code, verifier).json()
    assert tokens["scope"] == "read code"
    listed = viewer.get("/api/v1/tokens").json()
    grant = next(
        t for t in (listed["items"] if isinstance(listed, dict) else listed) if t["name"] == "Test Agent"
    )
    assert grant["read_only"] is True
    assert grant["operations"] == ["code.read"]


def test_a_scope_the_client_did_not_ask_for_is_never_granted(c):
    client = register(c)
    verifier, challenge = pkce()
    r = authorize(c, client["client_id"], challenge, scope="read")
    code = query_of(answer(c, r.headers["location"], toolsets="code", operations=["code.write"]))["code"]
    assert exchange(c, client["client_id"], code, verifier).json()["scope"] == "read"


def test_bearer_tokens_keep_working_beside_oauth(c, workspace):
    raw = workspace.create_token("plain")
    assert mcp_call(c, raw).status_code == 200
    r = c.post(
        f"/mcp/?token={raw}", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=MCP_HEADERS
    )
    assert r.status_code == 200


def test_the_settings_page_switches_registration_off_and_lists_redirect_hosts(c):
    page = c.get("/settings/oauth", headers={"accept": "text/html"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = c.post(
        "/settings/oauth",
        data={"csrf_token": token, "redirect_hosts": "claude.ai\n"},
        headers={"origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert c.get("/api/v1/settings/oauth").json() == {
        "registration_open": False,
        "redirect_hosts": ["claude.ai"],
    }


def test_registrations_from_one_address_are_rate_limited(c, clock):
    # The fake clock's rate-limit time stands still (conftest), so a slow machine cannot refill the bucket
    # while the burst runs.
    from plandesk.core import oauth

    answers = [
        c.post("/oauth/register", json={"client_name": "x", "redirect_uris": [REDIRECT]}).status_code
        for _ in range(oauth.REGISTRATIONS_PER_MINUTE + 1)
    ]
    assert answers[0] == 201
    assert answers[-1] == 429


def test_on_a_team_server_the_consent_page_asks_the_person_to_sign_in_first(app, c):
    db = db_of(app)
    client = register(c)
    r = authorize(c, client["client_id"], pkce()[1])
    users.create_user(
        db, users.local_owner_actor(db), email="second@example.com", role="member", password=PASSWORD
    )
    page = consent_page(c, r.headers["location"])  # two people: local mode is over, nobody is signed in
    assert page.history
    assert page.history[0].status_code == 303
    assert page.url.path == "/signin"
    assert "next=%2Foauth%2Fconsent%3Frequest%3D" in str(page.url)


def test_a_token_from_signing_in_is_refused_in_the_url(c):
    _, granted = connect(c)
    assert granted["access_token"].startswith("plandesk_mcp_oauth_")
    r = c.post(
        f"/mcp/?token={granted['access_token']}",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers=MCP_HEADERS,
    )
    assert r.status_code == 401
    assert "Authorization header" in r.json()["message"]


def test_with_a_public_url_set_the_401_and_the_metadata_name_it(workspace):
    from dataclasses import replace

    from plandesk.app import create_app

    settings = replace(workspace.settings(), base_url="https://plandesk.example.com")
    with TestClient(create_app(settings), base_url=ORIGIN, client=("127.0.0.1", 50003)) as client:
        r = client.post(
            "/mcp/", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=MCP_HEADERS
        )
        assert (
            'resource_metadata="https://plandesk.example.com/.well-known/oauth-protected-resource/mcp"'
            in r.headers["www-authenticate"]
        )
        assert (
            client.get("/.well-known/oauth-protected-resource/mcp").json()["resource"]
            == "https://plandesk.example.com/mcp"
        )


def _guess_refresh(c, client_id: str):
    return c.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "plandesk_rt_guess", "client_id": client_id},
    )


def test_token_requests_of_one_client_are_rate_limited_in_oauth_error_form(c, clock):
    from plandesk.core import oauth

    client = register(c)["client_id"]
    answers = []
    for _ in range(3 * oauth.TOKEN_REQUESTS_PER_MINUTE):  # bounded: the bucket refills about once a second
        answers.append(_guess_refresh(c, client))
        if answers[-1].status_code == 429:
            break
    codes = [r.status_code for r in answers]
    assert codes[: oauth.TOKEN_REQUESTS_PER_MINUTE] == [400] * oauth.TOKEN_REQUESTS_PER_MINUTE
    refused = answers[-1]
    assert refused.status_code == 429, codes
    assert refused.json()["error"] == "slow_down"
    assert "retry" in refused.json()["error_description"]
    wait = int(refused.headers["retry-after"])
    assert wait >= 1
    # Another client from the same address still gets answers; this one again once it has waited.
    assert _guess_refresh(c, register(c)["client_id"]).status_code == 400
    clock.advance(wait)
    assert _guess_refresh(c, client).status_code == 400


def test_a_real_exchange_still_works_next_to_a_limited_client(c, clock):
    from plandesk.core import oauth

    noisy = register(c)["client_id"]
    codes = [_guess_refresh(c, noisy).status_code for _ in range(oauth.TOKEN_REQUESTS_PER_MINUTE)]
    for _ in range(2 * oauth.TOKEN_REQUESTS_PER_MINUTE):  # bounded: the bucket refills about once a second
        codes.append(_guess_refresh(c, noisy).status_code)
        if codes[-1] == 429:
            break
    assert codes[-1] == 429, codes
    _, tokens_ = connect(c)  # another client: registration, consent and exchange are not affected
    assert tokens_["access_token"]
    assert tokens_["refresh_token"]


def test_token_list_shows_a_signed_in_app_by_its_grant_not_its_hourly_access_token(c, app, workspace):
    import json

    from sqlalchemy import update

    from plandesk.db.schema import api_tokens, oauth_grants

    connect(c)
    db = db_of(app)
    with db.write() as tx:  # an hour later: the access token has run out, the app has not refreshed yet
        tx.conn.execute(update(api_tokens).values(expires_at=now() - timedelta(minutes=5)))
    rows = json.loads(run_cli(workspace, "token", "list", "--json").stdout)
    grant = next(r for r in rows if r.get("via") == "oauth")
    assert grant["state"] == "active"
    assert grant["client_name"] == "Test Agent"
    assert grant["expires_at"] > now().isoformat() > grant["access_expires_at"]
    table = run_cli(workspace, "token", "list").stdout
    assert "active (signed-in app)" in table
    assert "expired" not in table
    with db.write() as tx:  # the refresh token ran out too: the connection is over
        tx.conn.execute(update(oauth_grants).values(refresh_expires_at=now() - timedelta(minutes=1)))
    rows = json.loads(run_cli(workspace, "token", "list", "--json").stdout)
    assert next(r for r in rows if r.get("via") == "oauth")["state"] == "expired"


def test_revocation_requests_of_one_client_are_rate_limited_too(c, clock):
    from plandesk.core import oauth

    client = register(c)["client_id"]

    def guess_revoke():
        return c.post("/oauth/revoke", data={"token": "plandesk_rt_guess", "client_id": client})

    codes = [guess_revoke().status_code for _ in range(oauth.TOKEN_REQUESTS_PER_MINUTE)]
    assert 429 not in codes, codes
    refused = guess_revoke()
    assert refused.status_code == 429
    assert refused.json()["error"] == "slow_down"
    assert _guess_refresh(c, client).status_code == 400  # the token endpoint keeps its own allowance
    clock.advance(int(refused.headers["retry-after"]))
    assert guess_revoke().status_code != 429
