"""Users, roles, sign-in, invitations and removal, through the real server, the CLI and the database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cli_support import create_token, run_cli
from connector_fixtures import PASSWORD, add_member, sign_in
from sqlalchemy import create_engine, select, update

from plandesk.db.schema import invitations, sessions, users

# Each test starts from its own workspace: local mode (one user) is what several of them take apart.
pytestmark = pytest.mark.server("app", fresh=True)


def engine_of(workspace):
    return create_engine(workspace.settings().resolved_database_url)


@pytest.fixture
def admin(server, api):
    """The local owner adds an admin; from then on the workspace has two users and needs sign-in."""
    add_member(api, "admin@example.com", "admin")
    return sign_in(server, "admin@example.com")


def test_local_owner_needs_no_sign_in_on_loopback_with_one_user(api):
    r = api.get("/api/v1/auth/me")
    assert r.status_code == 200
    assert r.json()["role"] == "owner"
    assert r.json()["local_mode"] is True


def test_a_second_user_ends_local_mode_even_on_loopback(server, api):
    add_member(api, "second@example.com", "member")
    r = server.client().get("/api/v1/projects")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "unauthorized"


def test_sign_in_sets_an_httponly_lax_session_cookie(server, admin):
    c = server.client()
    r = c.post("/api/v1/auth/sign-in", json={"email": "admin@example.com", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("plandesk_session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    assert "secure" not in cookie.lower()  # plain http on loopback; https gets Secure (next test)
    assert c.get("/api/v1/auth/me").json()["role"] == "admin"


def test_session_cookie_is_secure_when_the_public_url_is_https(workspace, serve):
    local = serve("app", workspace)  # arrange: the local owner adds a person before the URL is published
    add_member(local.client(), "a@example.com", "admin")
    local.stop()
    workspace.configure(base_url="https://plans.example.com")
    s = serve("app", workspace)
    r = s.client().post("/api/v1/auth/sign-in", json={"email": "a@example.com", "password": PASSWORD})
    assert r.status_code == 200
    assert "secure" in r.headers["set-cookie"].lower()


def test_sign_out_ends_the_session_on_the_server(server, admin, workspace):
    raw = admin.cookies["plandesk_session"]
    digest = hashlib.sha256(raw.encode()).hexdigest()
    with engine_of(workspace).connect() as conn:
        stored = conn.execute(select(sessions.c.token_hash)).scalars().all()
    assert digest in stored
    assert raw not in stored  # only the hash is kept
    assert admin.post("/api/v1/auth/sign-out").status_code == 204
    replay = server.client(cookies={"plandesk_session": raw})
    assert replay.get("/api/v1/projects").status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_answer(server, admin):
    c = server.client()
    wrong = c.post("/api/v1/auth/sign-in", json={"email": "admin@example.com", "password": "nope-nope-nope"})
    unknown = c.post(
        "/api/v1/auth/sign-in", json={"email": "nobody@example.com", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"] == "wrong email or password"
    assert "set-cookie" not in wrong.headers


def test_passwords_are_stored_as_argon2id_hashes(admin, workspace):
    with engine_of(workspace).connect() as conn:
        stored = conn.execute(
            select(users.c.password_hash).where(users.c.email == "admin@example.com")
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_short_password_is_refused_with_the_field_named(admin):
    r = admin.post("/api/v1/members", json={"email": "x@example.com", "role": "member", "password": "short"})
    assert r.status_code == 400
    assert r.json()["field"] == "password"


def test_invitation_link_creates_the_account_once(server, admin):
    r = admin.post(
        "/api/v1/invitations", json={"role": "member", "email": "new@example.com", "expires": "24h"}
    )
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    token = url.rsplit("/", 1)[1]
    assert url.startswith(server.url + "/invite/plandesk_invite_")
    guest = server.client()
    preview = guest.get(f"/api/v1/invitations/{token}/preview")
    assert preview.status_code == 200
    assert preview.json()["role"] == "member"
    accepted = guest.post(f"/api/v1/invitations/{token}/accept", json={"password": PASSWORD, "name": "New"})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["user"]["email"] == "new@example.com"
    assert guest.get("/api/v1/auth/me").json()["role"] == "member"  # signed in by accepting
    again = server.client().post(f"/api/v1/invitations/{token}/accept", json={"password": PASSWORD})
    assert again.status_code == 410
    assert server.client().get("/api/v1/invitations/plandesk_invite_unknown/preview").status_code == 404


def test_expired_invitation_gets_410(server, admin, workspace):
    url = admin.post("/api/v1/invitations", json={"role": "viewer"}).json()["url"]
    with engine_of(workspace).begin() as conn:
        conn.execute(update(invitations).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    token = url.rsplit("/", 1)[1]
    r = server.client().post(
        f"/api/v1/invitations/{token}/accept", json={"password": PASSWORD, "email": "late@example.com"}
    )
    assert r.status_code == 410
    assert r.json()["code"] == "gone"


def test_invitation_tokens_are_stored_hashed(admin, workspace):
    url = admin.post("/api/v1/invitations", json={"role": "member"}).json()["url"]
    token = url.rsplit("/", 1)[1]
    with engine_of(workspace).connect() as conn:
        stored = conn.execute(select(invitations.c.token_hash)).scalars().all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored


def test_admin_cannot_grant_the_owner_role(admin):
    r = admin.post("/api/v1/invitations", json={"role": "owner"})
    assert r.status_code == 403
    member = add_member(admin, "m@example.com", "member")
    r = admin.patch(f"/api/v1/members/{member['id']}", json={"role": "owner"})
    assert r.status_code == 403


def test_member_cannot_manage_members(server, admin):
    add_member(admin, "m@example.com", "member")
    member = sign_in(server, "m@example.com")
    r = member.post(
        "/api/v1/members", json={"email": "z@example.com", "role": "viewer", "password": PASSWORD}
    )
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


def test_role_change_applies_on_the_next_request(server, project, admin):
    person = add_member(admin, "v@example.com", "viewer")
    viewer = sign_in(server, "v@example.com")
    assert viewer.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "x"}).status_code == 403
    assert admin.patch(f"/api/v1/members/{person['id']}", json={"role": "member"}).status_code == 200
    assert viewer.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "x"}).status_code == 201


def test_removing_a_user_revokes_their_tokens_and_sessions_at_once(server, admin):
    person = add_member(admin, "leaver@example.com", "member")
    session = sign_in(server, "leaver@example.com")
    made = session.post("/api/v1/tokens", json={"name": "leaver-agent"})  # the leaver's own agent token
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    bearer = server.client(headers={"Authorization": f"Bearer {token}"})
    assert bearer.get("/api/v1/projects").status_code == 200
    r = admin.delete(f"/api/v1/members/{person['id']}")
    assert r.status_code == 200
    assert r.json()["tokens_revoked"] == 1
    assert r.json()["sessions_ended"] == 1
    assert bearer.get("/api/v1/projects").status_code == 401
    assert session.get("/api/v1/projects").status_code == 401
    emails = [m["email"] for m in admin.get("/api/v1/members").json()["members"]]
    assert "leaver@example.com" not in emails


def test_the_last_owner_cannot_be_demoted(api):
    me = api.get("/api/v1/auth/me").json()
    r = api.patch(f"/api/v1/members/{me['user_id']}", json={"role": "admin"})
    assert r.status_code == 409
    assert r.json()["field"] == "role"


def test_a_token_cannot_add_people(server, api):
    token = api.post("/api/v1/tokens", json={"name": "owner-agent"}).json()["token"]
    agent = server.client(headers={"Authorization": f"Bearer {token}"})
    r = agent.post(
        "/api/v1/members", json={"email": "sneaky@example.com", "role": "owner", "password": PASSWORD}
    )
    assert r.status_code == 403


def test_cli_user_create_reads_the_password_from_stdin(workspace):
    run_cli(workspace, "init")
    out = run_cli(
        workspace,
        "user",
        "create",
        "--email",
        "Ops@Example.com",
        "--role",
        "admin",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert "ops@example.com" in out.stdout
    listed = run_cli(workspace, "user", "list", "--json").stdout
    assert '"email": "ops@example.com"' in listed
    assert '"role": "admin"' in listed
    assert PASSWORD not in listed


def test_cli_user_create_without_password_prints_a_working_invitation_link(server, workspace):
    out = run_cli(workspace, "user", "create", "--email", "invitee@example.com", "--role", "viewer")
    link = out.stdout.strip().splitlines()[-1]
    assert "/invite/plandesk_invite_" in link
    token = link.rsplit("/", 1)[1]
    r = server.client().post(f"/api/v1/invitations/{token}/accept", json={"password": PASSWORD})
    assert r.status_code == 201
    user = r.json()["user"]
    assert (user["email"], user["role"]) == ("invitee@example.com", "viewer")


def test_cli_token_create_for_a_user_acts_as_that_user(server, api, workspace):
    add_member(api, "agent-owner@example.com", "member")
    token = create_token(workspace, "their-agent", "--user", "agent-owner@example.com")
    me = server.client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/auth/me").json()
    assert me["role"] == "member"
    assert me["via"] == "token"
    r = run_cli(workspace, "token", "create", "--name", "x", "--user", "nobody@example.com", check=False)
    assert r.returncode != 0
    assert "nobody@example.com" in r.stderr


def test_every_team_command_and_setting_is_documented():
    """docs/operations.md is what an admin reads: a command or setting missing from it is a bug."""
    from pathlib import Path

    from plandesk.cli.users import user_app

    doc = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    names = [c.name or c.callback.__name__.rstrip("_") for c in user_app.registered_commands]
    assert len(names) >= 5
    for name in names:
        assert f"plandesk user {name}" in doc, name
    for needle in (
        "plandesk backup --out",
        "plandesk restore --in",
        "plandesk token create --name",
        "PLANDESK_RATE_LIMIT_PER_MINUTE",
        "PLANDESK_BASE_URL",
        "--allowed-hosts",
        "max_body_bytes",
        "--workers",
        "LISTEN/NOTIFY",
        "/share/<token>.md",
        "Retry-After",
        "systemd",
        "nginx",
        "Caddy",
    ):
        assert needle in doc, needle
