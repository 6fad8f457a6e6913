"""OAuth clients and refresh: secrets by form field or Basic header (stored only hashed), scope narrowing, expiry."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from oauth_fixtures import (  # noqa: F401 - app and c are fixtures
    REDIRECT,
    answer,
    app,
    authorize,
    c,
    connect,
    db_of,
    mcp_call,
    pkce,
    query_of,
)

from plandesk.core.clock import now
from plandesk.db.schema import oauth_clients


def confidential(c, method: str) -> dict:
    r = c.post(
        "/oauth/register",
        json={"client_name": "Web Agent", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": method},
    )
    assert r.status_code == 201, r.text
    assert r.json()["client_secret"]
    return r.json()


def code_and_verifier(c, client: dict) -> tuple[str, str]:
    verifier, challenge = pkce()
    r = authorize(c, client["client_id"], challenge)
    return query_of(answer(c, r.headers["location"]))["code"], verifier


def token_request(c, client: dict, code: str, verifier: str, *, secret: str, method: str):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": client["client_id"],
        "code_verifier": verifier,
    }
    headers = {}
    if method == "client_secret_post":
        data["client_secret"] = secret
    else:
        headers["authorization"] = (
            "Basic " + base64.b64encode(f"{client['client_id']}:{secret}".encode()).decode()
        )
    return c.post("/oauth/token", data=data, headers=headers)


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_a_confidential_client_exchanges_its_code_with_its_secret(c, method):
    client = confidential(c, method)
    code, verifier = code_and_verifier(c, client)
    r = token_request(c, client, code, verifier, secret=client["client_secret"], method=method)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_a_wrong_client_secret_is_refused(c, method):
    client = confidential(c, method)
    code, verifier = code_and_verifier(c, client)
    r = token_request(c, client, code, verifier, secret="not-the-secret", method=method)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


def test_client_secrets_are_stored_only_as_hashes(c, app):
    client = confidential(c, "client_secret_post")
    with db_of(app).read() as conn:
        stored = conn.execute(oauth_clients.select()).first().info
    assert stored["client_secret"] != client["client_secret"]
    assert len(stored["client_secret"]) == 64


def refresh(c, client_id: str, refresh_token: str, **extra):
    return c.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id, **extra},
    )


def test_refreshing_with_fewer_scopes_narrows_the_grant_for_good(c):
    client, first = connect(c)
    assert first["scope"] == "read write"
    narrowed = refresh(c, client["client_id"], first["refresh_token"], scope="read").json()
    assert narrowed["scope"] == "read"
    names = {t["name"] for t in mcp_call(c, narrowed["access_token"]).json()["result"]["tools"]}
    assert "create_task" not in names
    again = refresh(c, client["client_id"], narrowed["refresh_token"], scope="read write")
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_scope"


def test_an_expired_refresh_token_is_refused(c, monkeypatch):
    client, first = connect(c)
    later = now() + timedelta(days=31)  # refresh tokens live thirty days from their last use
    monkeypatch.setattr("plandesk.core.oauth.now", lambda: later)
    r = refresh(c, client["client_id"], first["refresh_token"])
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"
