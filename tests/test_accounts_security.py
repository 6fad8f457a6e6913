"""Accounts over HTTP: who may rotate a token, live streams that end when access ends, invitations that die
with their creator's rights, and password changes that end the other sessions."""

from __future__ import annotations

import json
import queue
import re
import threading
import time

import httpx2
import pytest
from cli_support import create_user, run_cli
from connector_fixtures import PASSWORD, sign_in

NEW_PASSWORD = "a different long passphrase"
# Live event streams need a real HTTP server, and people are changed from the CLI in another process than the
# server's (this test process); every test arranges its own people, so each gets a workspace and server of its
# own. Tests that only make HTTP requests run the app in-process (IN_PROCESS).
pytestmark = pytest.mark.server("port", fresh=True)
IN_PROCESS = pytest.mark.server("app", fresh=True)


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def page_sign_in(server, email: str, password: str = PASSWORD):
    """A browser's way in; answers the client and the CSRF token of its signed-in pages."""
    c = server.client()
    page = c.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.post("/signin", data={"email": email, "password": password, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text
    signed_in = c.get("/settings/members").text
    return c, {"X-CSRF-Token": re.search(r'name="csrf-token" content="([^"]+)"', signed_in).group(1)}


@pytest.fixture
def team(server, workspace):
    """The local owner (through a token), a second owner, an admin and a member, each with a password."""
    made = server.client().post("/api/v1/tokens", json={"name": "owner agent"})  # while local mode lasts
    assert made.status_code == 201, made.text
    owner = server.client(headers=bearer(made.json()["token"]))
    for email, role in (
        ("olive@example.com", "owner"),
        ("ada@example.com", "admin"),
        ("mo@example.com", "member"),
    ):
        create_user(workspace, email, role, PASSWORD)
    return server, owner


def mo_token(server) -> str:
    """mo's own agent token, minted in mo's session."""
    r = sign_in(server, "mo@example.com").post("/api/v1/tokens", json={"name": "mo agent"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def token_id(server, raw: str) -> str:
    return server.client(headers=bearer(raw)).get("/api/v1/auth/me").json()["token_id"]


# Rotation hands over a working secret: only its user, or an owner for a non-owner's token


@IN_PROCESS
def test_an_admin_rotating_an_owners_token_is_forbidden(team):
    server, owner = team
    owner_token = owner.get("/api/v1/auth/me").json()["token_id"]
    admin, csrf = page_sign_in(server, "ada@example.com")
    r = admin.post(f"/api/v1/tokens/{owner_token}/rotate", headers=csrf)
    assert r.status_code == 403
    assert "token" not in r.json()
    assert owner.get("/api/v1/auth/me").status_code == 200  # the owner's secret still works


@IN_PROCESS
def test_an_admin_rotating_a_members_token_is_forbidden(team):
    server, _ = team
    raw = mo_token(server)
    admin, csrf = page_sign_in(server, "ada@example.com")
    assert admin.post(f"/api/v1/tokens/{token_id(server, raw)}/rotate", headers=csrf).status_code == 403


@IN_PROCESS
def test_an_owner_rotates_a_members_token_but_not_another_owners(team):
    server, owner = team
    raw = mo_token(server)
    olive, csrf = page_sign_in(server, "olive@example.com")
    r = olive.post(f"/api/v1/tokens/{token_id(server, raw)}/rotate", headers=csrf)
    assert r.status_code == 200
    assert r.json()["token"] != raw
    assert server.client(headers=bearer(raw)).get("/api/v1/auth/me").status_code == 401
    owner_token = owner.get("/api/v1/auth/me").json()["token_id"]
    assert olive.post(f"/api/v1/tokens/{owner_token}/rotate", headers=csrf).status_code == 403


@IN_PROCESS
def test_a_person_rotates_their_own_token(team):
    server, _ = team
    raw = mo_token(server)
    mo, csrf = page_sign_in(server, "mo@example.com")
    r = mo.post(f"/api/v1/tokens/{token_id(server, raw)}/rotate", headers=csrf)
    assert r.status_code == 200
    assert server.client(headers=bearer(r.json()["token"])).get("/api/v1/auth/me").status_code == 200


# Live event streams end when the caller's access ends, and send nothing after


class EventStream:
    """Reads an SSE stream on a thread; `events` fills as frames arrive, `ended` is set when it closes."""

    def __init__(self, server, project_id: str, headers: dict):
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self.ended = threading.Event()
        self.client = httpx2.Client(base_url=server.url, timeout=httpx2.Timeout(30, read=60))
        self.thread = threading.Thread(target=self._run, args=(project_id, headers), daemon=True)
        self.thread.start()

    def _run(self, project_id, headers):
        try:
            with self.client.stream("GET", f"/projects/{project_id}/events", headers=headers) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        self.events.put(json.loads(line[6:]))
        except (httpx2.HTTPError, httpx2.StreamError):
            pass
        finally:
            self.ended.set()

    def wait_for(self, predicate, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(event)
            if predicate(event):
                return event
        raise AssertionError(f"no matching event within {timeout} s; got {self.seen}")

    def drain_until_ended(self, timeout: float = 20.0) -> list[dict]:
        if not self.ended.wait(timeout):
            self.client.close()
            raise AssertionError("the stream was still open")
        while not self.events.empty():
            self.seen.append(self.events.get_nowait())
        self.client.close()
        return self.seen


def mentions(event: dict, text: str) -> bool:
    return text in json.dumps(event)


@pytest.fixture
def watched(team):
    """A project, and mo's token holding a live stream on it that has already delivered one task."""
    server, owner = team
    project = owner.post("/api/v1/projects", json={"name": "Watched"}).json()
    raw = mo_token(server)
    stream = EventStream(server, project["id"], bearer(raw))
    stream.wait_for(lambda e: e.get("kind") == "hello")
    owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "visible before"})
    stream.wait_for(lambda e: mentions(e, "visible before"))
    yield owner, project, raw, stream
    stream.client.close()


def after_the_change(owner, project, stream) -> list[dict]:
    owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "secret after"})
    return stream.drain_until_ended()


def test_a_live_stream_ends_when_its_token_is_revoked(watched, workspace, server):
    owner, project, raw, stream = watched
    run_cli(workspace, "token", "revoke", token_id(server, raw))
    assert not any(mentions(e, "secret after") for e in after_the_change(owner, project, stream))


def test_a_live_stream_ends_when_its_user_is_removed(watched, workspace):
    owner, project, _, stream = watched
    run_cli(workspace, "user", "remove", "--email", "mo@example.com")
    assert not any(mentions(e, "secret after") for e in after_the_change(owner, project, stream))


def test_a_live_stream_ends_when_its_users_role_changes(watched, workspace):
    owner, project, _, stream = watched
    run_cli(workspace, "user", "role", "--email", "mo@example.com", "--role", "viewer")
    assert not any(mentions(e, "secret after") for e in after_the_change(owner, project, stream))


def test_an_idle_live_stream_ends_soon_after_the_session_signs_out(team):
    server, owner = team
    project = owner.post("/api/v1/projects", json={"name": "Quiet"}).json()
    mo, csrf = page_sign_in(server, "mo@example.com")
    stream = EventStream(
        server, project["id"], {"Cookie": "; ".join(f"{k}={v}" for k, v in mo.cookies.items())}
    )
    stream.wait_for(lambda e: e.get("kind") == "hello")
    assert mo.post("/api/v1/auth/sign-out", headers=csrf).status_code == 204
    stream.drain_until_ended()


# Invitations vouch with their creator's current rights


def invite(server, email: str, role: str) -> str:
    admin, csrf = page_sign_in(server, email)
    r = admin.post("/api/v1/invitations", json={"role": role}, headers=csrf)
    assert r.status_code == 201, r.text
    return r.json()["url"].rsplit("/invite/", 1)[1]


def accept(server, raw: str):
    return server.client().post(
        f"/api/v1/invitations/{raw}/accept", json={"email": "newcomer@example.com", "password": PASSWORD}
    )


@IN_PROCESS
def test_an_invitation_made_by_an_admin_who_was_removed_no_longer_admits(team, workspace):
    server, _ = team
    raw = invite(server, "ada@example.com", "admin")
    run_cli(workspace, "user", "remove", "--email", "ada@example.com")
    assert server.client().get(f"/api/v1/invitations/{raw}/preview").status_code == 410
    r = accept(server, raw)
    assert r.status_code == 410
    assert "may no longer grant" in r.json()["message"]


@IN_PROCESS
def test_an_invitation_made_by_an_admin_who_was_demoted_no_longer_admits(team, workspace):
    server, _ = team
    raw = invite(server, "ada@example.com", "member")
    run_cli(workspace, "user", "role", "--email", "ada@example.com", "--role", "member")
    assert accept(server, raw).status_code == 410


@IN_PROCESS
def test_an_owner_invitation_made_by_an_owner_since_made_admin_no_longer_admits(team, workspace):
    server, _ = team
    raw = invite(server, "olive@example.com", "owner")
    run_cli(workspace, "user", "role", "--email", "olive@example.com", "--role", "admin")
    assert accept(server, raw).status_code == 410


@IN_PROCESS
def test_an_invitation_of_a_creator_who_keeps_their_rights_still_admits(team):
    server, _ = team
    raw = invite(server, "ada@example.com", "member")
    r = accept(server, raw)
    assert r.status_code == 201
    assert r.json()["user"]["role"] == "member"


# A password change or reset ends the person's other sessions


@IN_PROCESS
def test_a_password_reset_ends_every_session_of_that_person(team, workspace):
    server, _ = team
    laptop, _ = page_sign_in(server, "mo@example.com")
    phone, _ = page_sign_in(server, "mo@example.com")
    run_cli(workspace, "user", "password", "--email", "mo@example.com", input=NEW_PASSWORD + "\n")
    assert laptop.get("/api/v1/auth/me").status_code == 401
    assert phone.get("/api/v1/auth/me").status_code == 401
    again, _ = page_sign_in(server, "mo@example.com", password=NEW_PASSWORD)
    assert again.get("/api/v1/auth/me").status_code == 200


@IN_PROCESS
def test_changing_your_own_password_ends_your_other_sessions_and_keeps_this_one(team):
    server, _ = team
    laptop, csrf = page_sign_in(server, "mo@example.com")
    phone, _ = page_sign_in(server, "mo@example.com")
    r = laptop.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "password": NEW_PASSWORD}, headers=csrf
    )
    assert r.status_code == 200
    assert r.json()["sessions_ended"] == 1
    assert laptop.get("/api/v1/auth/me").status_code == 200
    assert phone.get("/api/v1/auth/me").status_code == 401


@IN_PROCESS
def test_changing_your_password_needs_the_current_one(team):
    server, _ = team
    laptop, csrf = page_sign_in(server, "mo@example.com")
    r = laptop.post(
        "/api/v1/auth/password",
        json={"current_password": "not my password", "password": NEW_PASSWORD},
        headers=csrf,
    )
    assert r.status_code == 401
    page_sign_in(server, "mo@example.com")  # the old password still works
