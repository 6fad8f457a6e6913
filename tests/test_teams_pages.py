"""The people pages over HTTP: /signin, /signout, /invite/<token>, Settings → Members, with CSRF on every form."""

from __future__ import annotations

import re

import pytest
from cli_support import run_cli
from connector_fixtures import PASSWORD, sign_in

# Each test's team changes the roster (adds, re-roles, removes people): a fresh workspace per test.
pytestmark = pytest.mark.server("app", fresh=True)


@pytest.fixture(autouse=True)
def _own_rate_limits(clock):
    """Every test signs the same people in from the same in-process address: each test gets the rate
    limiter of its own (the `clock` fixture's), so the module's sign-ins never add up to the per-minute limit."""


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )  # pages without a form carry it in a <meta>
    assert found, "the page has no CSRF field"
    return found.group(1)


def page_sign_in(server, email: str, password: str = PASSWORD, next_path: str = "/"):
    """A browser's way in: load the form (it sets the CSRF cookie), post it back with the hidden token."""
    c = server.client()
    token = form_token(c.get("/signin").text)
    r = c.post("/signin", data={"email": email, "password": password, "csrf_token": token, "next": next_path})
    return c, r


@pytest.fixture
def team(server, api):
    """An admin and a viewer besides the local owner: sign-in is required from here on."""
    r = api.post(
        "/api/v1/members", json={"email": "admin@example.com", "role": "admin", "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    admin, _ = page_sign_in(server, "admin@example.com")
    page = admin.get("/settings/members").text
    r = admin.post(
        "/api/v1/members",
        json={"email": "viewer@example.com", "role": "viewer", "password": PASSWORD},
        headers={"X-CSRF-Token": re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)},
    )
    assert r.status_code == 201, r.text
    return server


def test_the_sign_in_page_signs_in_and_returns_to_the_page_asked_for(team):
    c, r = page_sign_in(team, "admin@example.com", next_path="/settings/members")
    assert r.status_code == 303
    assert r.headers["location"] == "/settings/members"
    cookie = r.headers["set-cookie"]
    assert "plandesk_session=" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert c.get("/settings/members").status_code == 200


def test_a_wrong_password_shows_the_form_again_with_the_reason(team):
    _, r = page_sign_in(team, "admin@example.com", password="not the password")
    assert r.status_code == 401
    assert "wrong email or password" in r.text
    assert 'name="password"' in r.text
    assert "set-cookie" not in r.headers or "plandesk_session" not in r.headers["set-cookie"]


def test_sign_in_never_redirects_to_another_site(team):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        _, r = page_sign_in(team, "admin@example.com", next_path=target)
        assert r.status_code == 303
        assert r.headers["location"] == "/"


def test_a_sign_in_form_without_the_csrf_token_is_refused(team):
    c = team.client()
    c.get("/signin")
    r = c.post(
        "/signin", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": "forged" * 8}
    )
    assert r.status_code == 403
    assert "plandesk_session" not in r.headers.get("set-cookie", "")


def test_a_cross_site_form_post_is_refused(team):
    c = team.client()
    token = form_token(c.get("/signin").text)
    data = {"email": "admin@example.com", "password": PASSWORD, "csrf_token": token}
    r = c.post("/signin", data=data, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = c.post("/signin", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    admin, _ = page_sign_in(team, "admin@example.com")
    page = admin.get("/settings/members").text
    viewer_id = re.search(r'data-member="([^"]+)">\s*<td>viewer', page).group(1)
    r = admin.post(
        f"/settings/members/{viewer_id}/role",
        data={"role": "admin", "csrf_token": form_token(page)},
        headers={"Origin": "http://attacker.example"},
    )
    assert r.status_code == 403


def test_sign_out_ends_the_session(team):
    c, _ = page_sign_in(team, "admin@example.com")
    page = c.get("/signout")
    assert page.status_code == 200
    r = c.post("/signout", data={"csrf_token": form_token(page.text)})
    assert r.status_code == 303
    assert r.headers["location"] == "/signin"
    assert c.get("/api/v1/auth/me").status_code == 401


def test_pages_ask_for_sign_in_once_the_workspace_has_two_people(team):
    r = team.client().get("/settings/members")
    assert r.status_code == 401
    assert 'href="/signin?next=' in r.text


def test_the_invitation_page_creates_the_account_and_signs_it_in(team):
    admin, _ = page_sign_in(team, "admin@example.com")
    page = admin.get("/settings/members").text
    r = admin.post(
        "/settings/members/invite",
        data={"role": "member", "email": "", "expires": "24h", "csrf_token": form_token(page)},
    )
    assert r.status_code == 201
    link = re.search(r'id="invite-url">([^<]+)<', r.text).group(1)
    assert "/invite/plandesk_invite_" in link
    path = link[link.index("/invite/") :]
    guest = team.client()
    offer = guest.get(path)
    assert offer.status_code == 200
    assert "member" in offer.text
    r = guest.post(
        path,
        data={
            "email": "newcomer@example.com",
            "name": "Newcomer",
            "password": PASSWORD,
            "csrf_token": form_token(offer.text),
        },
    )
    assert r.status_code == 303
    assert guest.get("/api/v1/auth/me").json()["name"] == "Newcomer"
    used = team.client().get(path)
    assert used.status_code == 410
    assert "already used" in used.text
    assert team.client().get("/invite/plandesk_invite_nope").status_code == 404


def test_the_invitation_link_is_shown_once(team):
    admin, _ = page_sign_in(team, "admin@example.com")
    page = admin.get("/settings/members").text
    r = admin.post("/settings/members/invite", data={"role": "viewer", "csrf_token": form_token(page)})
    link = re.search(r'id="invite-url">([^<]+)<', r.text).group(1)
    again = admin.get("/settings/members").text
    assert link not in again
    assert "Open invitations" in again


def test_the_members_page_changes_a_role_and_removes_a_person(team):
    made = sign_in(team, "viewer@example.com").post("/api/v1/tokens", json={"name": "viewer agent"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    agent = team.client(headers={"Authorization": f"Bearer {token}"})
    admin, _ = page_sign_in(team, "admin@example.com")
    page = admin.get("/settings/members").text
    viewer_id = re.search(r'data-member="([^"]+)">\s*<td>viewer', page).group(1)
    r = admin.post(
        f"/settings/members/{viewer_id}/role", data={"role": "member", "csrf_token": form_token(page)}
    )
    assert r.status_code == 303
    assert agent.get("/api/v1/auth/me").json()["role"] == "member"
    r = admin.post(f"/settings/members/{viewer_id}/remove", data={"csrf_token": form_token(page)})
    assert r.status_code == 303
    assert agent.get("/api/v1/auth/me").status_code == 401  # their token died with their membership
    assert "viewer@example.com" not in admin.get("/settings/members").text


def test_a_viewer_sees_the_roster_without_controls_and_cannot_post_them(team):
    viewer, _ = page_sign_in(team, "viewer@example.com")
    page = viewer.get("/settings/members")
    assert page.status_code == 200
    assert "admin@example.com" in page.text
    assert "/remove" not in page.text
    assert "Invite someone" not in page.text
    admin_id = re.search(r'data-member="([^"]+)">\s*<td>admin', page.text).group(1)
    r = viewer.post(f"/settings/members/{admin_id}/remove", data={"csrf_token": form_token(page.text)})
    assert r.status_code == 403
    assert (
        viewer.post(
            "/settings/members/invite", data={"role": "owner", "csrf_token": form_token(page.text)}
        ).status_code
        == 403
    )


def test_an_invitation_whose_maker_was_removed_is_listed_as_invalid_not_pending(team, workspace):
    admin, _ = page_sign_in(team, "admin@example.com")
    page = admin.get("/settings/members").text
    r = admin.post(
        "/api/v1/members",
        json={"email": "second@example.com", "role": "admin", "password": PASSWORD},
        headers={"X-CSRF-Token": form_token(page)},
    )
    assert r.status_code == 201, r.text
    second, _ = page_sign_in(team, "second@example.com")
    r = second.post(
        "/settings/members/invite",
        data={"role": "member", "csrf_token": form_token(second.get("/settings/members").text)},
    )
    assert r.status_code == 201
    theirs = second.get("/api/v1/invitations").json()[0]["id"]
    r = admin.post("/settings/members/invite", data={"role": "viewer", "csrf_token": form_token(page)})
    assert r.status_code == 201
    ours = next(i["id"] for i in admin.get("/api/v1/invitations").json() if i["id"] != theirs)
    run_cli(workspace, "user", "remove", "--email", "second@example.com")
    listed = admin.get("/settings/members").text
    assert re.search(rf'data-invitation="{theirs}" data-state="invalid"', listed)
    assert re.search(rf'data-invitation="{ours}" data-state="pending"', listed)
    states = {i["id"]: i["state"] for i in admin.get("/api/v1/invitations").json()}
    assert states == {theirs: "invalid", ours: "pending"}


NEW_PASSWORD = "another long passphrase"


def test_a_person_changes_their_own_password_on_the_page(team):
    laptop, _ = page_sign_in(team, "viewer@example.com")
    phone, _ = page_sign_in(team, "viewer@example.com")
    old_cookie = laptop.cookies.get("plandesk_session")
    page = laptop.get("/settings/password")
    assert page.status_code == 200
    token = form_token(page.text)
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}

    r = laptop.post("/settings/password", data={**form, "csrf_token": "A" * 43})
    assert r.status_code == 403  # the form's token is bound to this session
    r = laptop.post("/settings/password", data={**form, "current_password": "not it", "csrf_token": token})
    assert r.status_code == 401
    assert "current password is wrong" in r.text
    r = laptop.post(
        "/settings/password", data={**form, "password_again": "something else", "csrf_token": token}
    )
    assert r.status_code == 400
    r = laptop.post(
        "/settings/password",
        data={**form, "password": "short", "password_again": "short", "csrf_token": token},
    )
    assert r.status_code == 400, r.text
    assert "at least 10 characters" in r.text
    assert phone.get("/api/v1/auth/me").status_code == 200  # nothing changed yet

    r = laptop.post("/settings/password", data={**form, "csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/settings/password?changed=1"
    new_cookie = laptop.cookies.get("plandesk_session")
    assert new_cookie
    assert new_cookie != old_cookie  # the session was rotated, the person stays signed in
    assert "1 other session ended" in laptop.get(r.headers["location"]).text
    assert laptop.get("/api/v1/auth/me").status_code == 200
    assert team.client(cookies={"plandesk_session": old_cookie}).get("/api/v1/auth/me").status_code == 401
    assert phone.get("/api/v1/auth/me").status_code == 401
    assert page_sign_in(team, "viewer@example.com")[1].status_code == 401
    assert page_sign_in(team, "viewer@example.com", password=NEW_PASSWORD)[1].status_code == 303


def test_the_password_form_is_refused_from_another_loopback_port(team):
    laptop, _ = page_sign_in(team, "viewer@example.com")
    token = form_token(laptop.get("/settings/password").text)
    r = laptop.post(
        "/settings/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "csrf_token": token,
        },
        headers={"Origin": "http://127.0.0.1:9", "Sec-Fetch-Site": "same-site"},
    )
    assert r.status_code == 403
    assert page_sign_in(team, "viewer@example.com")[1].status_code == 303  # the old password still works
