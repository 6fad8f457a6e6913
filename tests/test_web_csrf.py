"""CSRF over HTTP: the Origin is compared on scheme, host and port; the token is bound to the session (and,
before sign-in, to a pre-session cookie), so a planted plandesk_csrf cookie authorises nothing."""

from __future__ import annotations

import re

import pytest
from cli_support import run_cli
from conftest import free_port, start_server

# Each test gets a workspace and an in-process server of its own (the tests change roles); the
# https-origin test below starts a process of its own for its serve arguments.
pytestmark = pytest.mark.server("app", fresh=True)
PASSWORD = "correct horse battery staple"


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert found, "the page has no CSRF field"
    return found.group(1)


def page_sign_in(server, email: str):
    c = server.client()
    token = form_token(c.get("/signin").text)
    r = c.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text
    return c


def plant(client, value: str) -> None:
    """What a page on another port of this host can do: cookies are shared by every port of a host."""
    client.cookies.set("plandesk_csrf", value, domain="127.0.0.1", path="/")


@pytest.fixture
def team(server, api):
    r = api.post(
        "/api/v1/members", json={"email": "admin@example.com", "role": "admin", "password": PASSWORD}
    )
    assert r.status_code == 201, r.text  # from here on the workspace has two people: sign-in is required
    admin = page_sign_in(server, "admin@example.com")
    token = form_token(admin.get("/settings/members").text)
    r = admin.post(
        "/api/v1/members",
        json={"email": "viewer@example.com", "role": "viewer", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 201, r.text
    return server


def viewer_id(client) -> tuple[str, str]:
    page = client.get("/settings/members").text
    return re.search(r'data-member="([^"]+)">\s*<td>viewer', page).group(1), form_token(page)


def role_of(server, email: str) -> str:
    c = page_sign_in(server, email)
    return c.get("/api/v1/auth/me").json()["role"]


def test_a_form_post_from_another_loopback_port_is_refused(team):
    admin = page_sign_in(team, "admin@example.com")
    target, token = viewer_id(admin)
    other = f"http://127.0.0.1:{free_port()}"
    r = admin.post(
        f"/settings/members/{target}/role",
        data={"role": "admin", "csrf_token": token},
        headers={"Origin": other, "Sec-Fetch-Site": "same-site"},
    )
    assert r.status_code == 403
    assert role_of(team, "viewer@example.com") == "viewer"


def test_an_api_write_from_another_loopback_port_is_refused_even_with_the_right_token(team):
    admin = page_sign_in(team, "admin@example.com")
    target, token = viewer_id(admin)
    r = admin.patch(
        f"/api/v1/members/{target}",
        json={"role": "member"},
        headers={"X-CSRF-Token": token, "Origin": f"http://127.0.0.1:{free_port()}"},
    )
    assert r.status_code == 403
    assert r.json()["field"] == "Origin"
    r = admin.patch(
        f"/api/v1/members/{target}",
        json={"role": "member"},
        headers={"X-CSRF-Token": token, "Origin": team.url.replace("http://", "https://")},
    )
    assert r.status_code == 403  # same host and port, other scheme: another origin too
    r = admin.patch(
        f"/api/v1/members/{target}",
        json={"role": "member"},
        headers={"X-CSRF-Token": token, "Origin": team.url},
    )
    assert r.status_code == 200  # the server's own origin still works


def test_a_planted_csrf_cookie_does_not_authorise_a_signed_in_form(team):
    admin = page_sign_in(team, "admin@example.com")
    target, _ = viewer_id(admin)
    planted = "A" * 43
    plant(admin, planted)
    r = admin.post(f"/settings/members/{target}/role", data={"role": "admin", "csrf_token": planted})
    assert r.status_code == 403
    r = admin.patch(f"/api/v1/members/{target}", json={"role": "admin"}, headers={"X-CSRF-Token": planted})
    assert r.status_code == 403
    assert role_of(team, "viewer@example.com") == "viewer"


def test_a_planted_csrf_cookie_does_not_sign_a_browser_in_to_another_account(team):
    victim = team.client()
    planted = "B" * 43
    plant(victim, planted)
    r = victim.post(
        "/signin", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": planted}
    )
    assert r.status_code == 403
    assert "plandesk_session" not in r.headers.get("set-cookie", "")
    r = victim.post(
        "/api/v1/auth/sign-in",
        json={"email": "admin@example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": planted},
    )
    assert r.status_code == 403


def test_the_csrf_token_of_one_session_does_not_work_for_another(team):
    first = page_sign_in(team, "admin@example.com")
    target, stolen = viewer_id(first)
    second = page_sign_in(team, "admin@example.com")
    r = second.post(f"/settings/members/{target}/role", data={"role": "member", "csrf_token": stolen})
    assert r.status_code == 403
    _, own = viewer_id(second)
    assert own != stolen
    r = second.post(f"/settings/members/{target}/role", data={"role": "member", "csrf_token": own})
    assert r.status_code == 303


def test_the_csrf_cookie_is_secure_when_the_public_origin_is_https(workspace):
    run_cli(workspace, "init")
    s = start_server(
        workspace,
        "--allowed-hosts",
        "plan.example.com",
        extra_env={"PLANDESK_BASE_URL": "https://plan.example.com"},
    )
    try:
        r = s.client().get("/signin", headers={"Host": "plan.example.com"})
        assert r.status_code == 200
        cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and "plandesk_csrf=" in v)
        assert "secure" in cookie.lower()
        # The page's own https origin is accepted for its writes, though the proxy speaks http to us
        # (the cookie is sent by hand: a client does not send a Secure cookie over http).
        presession = re.match(r"plandesk_csrf=([^;]+)", cookie).group(1)
        r = s.client().post(
            "/signin",
            data={"email": "nobody@example.com", "password": PASSWORD, "csrf_token": form_token(r.text)},
            headers={
                "Host": "plan.example.com",
                "Origin": "https://plan.example.com",
                "Cookie": f"plandesk_csrf={presession}",
            },
        )
        assert r.status_code == 401  # past the Origin and CSRF checks, to the password check
    finally:
        s.stop()
