"""OAuth test steps over HTTP, written from the RFCs' side (a client's requests), not from our code's."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

ORIGIN = "http://127.0.0.1:8000"
REDIRECT = "http://127.0.0.1:5555/callback"
MCP_HEADERS = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def register(c, redirect: str = REDIRECT, **extra) -> dict:
    r = c.post(
        "/oauth/register",
        json={
            "client_name": "Test Agent",
            "redirect_uris": [redirect],
            "token_endpoint_auth_method": "none",
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def authorize(
    c,
    client_id: str,
    challenge: str,
    *,
    redirect: str = REDIRECT,
    scope: str | None = None,
    resource: str | None = ORIGIN + "/mcp",
    state: str = "s-1",
):
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if scope:
        params["scope"] = scope
    if resource:
        params["resource"] = resource
    return c.get("/oauth/authorize", params=params, follow_redirects=False)


def consent_page(c, location: str):
    return c.get(location.replace(ORIGIN, ""), headers={"accept": "text/html"})


def answer(c, location: str, decision: str = "allow", **form) -> str:
    """Load the consent page (it sets the CSRF cookie) and post the person's decision; the redirect target."""
    page = consent_page(c, location)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    request_id = re.search(r'name="request" value="([^"]+)"', page.text).group(1)
    r = c.post(
        "/oauth/consent",
        data={"csrf_token": token, "request": request_id, "decision": decision, **form},
        headers={"origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def code_for(c, client_id: str, challenge: str, **form) -> str:
    r = authorize(c, client_id, challenge)
    assert r.status_code == 302, r.text
    return query_of(answer(c, r.headers["location"], **form))["code"]


def exchange(c, client_id: str, code: str, verifier: str, redirect: str = REDIRECT):
    return c.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )


def connect(c, **form) -> tuple[dict, dict]:
    """Register, authorize, consent and exchange: (client, token response)."""
    client = register(c)
    verifier, challenge = pkce()
    code = code_for(c, client["client_id"], challenge, **form)
    r = exchange(c, client["client_id"], code, verifier)
    assert r.status_code == 200, r.text
    return client, r.json()


def mcp_call(c, token: str, method: str = "tools/list", params: dict | None = None):
    return c.post(
        "/mcp/",
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}},
        headers={**MCP_HEADERS, "authorization": f"Bearer {token}"},
    )


# The in-process app these modules share (its origin is ORIGIN: the OAuth resource names carry its port).
@pytest.fixture
def app(workspace):
    from plandesk.app import create_app

    return create_app(workspace.settings())


@pytest.fixture
def c(app):
    """A client on loopback: in local mode it is the workspace's owner without signing in."""
    with TestClient(app, base_url=ORIGIN, client=("127.0.0.1", 50000)) as client:
        yield client


def db_of(app):
    return app.app.state.db
