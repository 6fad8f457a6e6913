"""Cached token callers never outlive a change: revoke, rotate, expiry and role changes made outside the
servers (by the CLI, run in the test's process) apply on the very next call in the servers (on SQLite a
`plandesk serve` process and an in-process app on one workspace, each with a cache of its own; on PostgreSQL
one server with two workers)."""

from __future__ import annotations

import pytest
from cli_support import run_cli
from conftest import BACKEND, drop_pg_database, new_workspace, serve_on

from plandesk.core.workspace import initialise


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two caches on one workspace, shared by the module (each test works with tokens of its own name)."""
    ws = new_workspace(tmp_path_factory.mktemp("token-cache"))
    initialise(ws.settings()).dispose()
    if BACKEND == "postgresql":
        one = serve_on(ws, "process", "--workers", "2")  # calls land on either worker
        pair = [one, one]
    else:
        pair = [serve_on(ws, "app"), serve_on(ws, "process")]
    yield ws, pair
    for s in {id(s): s for s in pair}.values():
        s.stop()
    if ws.database_url:
        drop_pg_database(ws.database_url)


def _get(server, token: str):
    with server.client() as c:
        return c.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})


def _warm(pair, token: str) -> None:
    """Several calls on each server, so every worker holds the caller in its cache."""
    for server in pair:
        for _ in range(6):
            assert _get(server, token).status_code == 200


def test_a_revoked_token_gets_401_on_the_next_call_in_the_other_process(servers):
    ws, pair = servers
    token = ws.create_token("revoked-agent")
    _warm(pair, token)
    run_cli(ws, "token", "revoke", "revoked-agent")
    assert _get(pair[1], token).status_code == 401
    assert _get(pair[0], token).status_code == 401


def test_a_rotated_token_value_gets_401_and_the_new_one_works(servers):
    ws, pair = servers
    token = ws.create_token("rotated-agent")
    _warm(pair, token)
    fresh = run_cli(ws, "token", "rotate", "rotated-agent").stdout.strip().splitlines()[-1]
    assert _get(pair[1], token).status_code == 401
    assert _get(pair[0], fresh).status_code == 200


def test_an_expired_token_gets_401_on_the_next_call(servers):
    ws, pair = servers
    token = ws.create_token("expiring-agent", "--expires", "8w")
    _warm(pair, token)
    from plandesk.core.workspace import open_database

    db = open_database(ws.settings())
    try:
        with db.write() as tx:  # the token's lifetime ends now, as if eight weeks had passed
            tx.conn.exec_driver_sql(
                "UPDATE api_tokens SET expires_at = created_at WHERE name = 'expiring-agent'"
            )
    finally:
        db.dispose()
    assert _get(pair[1], token).status_code == 401
    assert _get(pair[0], token).status_code == 401


def test_a_role_change_applies_on_the_next_call_in_the_other_process(servers):
    ws, pair = servers
    run_cli(
        ws,
        "user",
        "create",
        "--email",
        "ed@example.com",
        "--role",
        "member",
        "--name",
        "Ed",
        "--password-stdin",
        input="correct horse battery staple\n",
    )
    token = ws.create_token("ed-agent", "--user", "ed@example.com")
    _warm(pair, token)
    headers = {"Authorization": f"Bearer {token}"}
    with pair[1].client(headers=headers) as c:
        assert c.post("/api/v1/projects", json={"name": "before"}).status_code == 201
    run_cli(ws, "user", "role", "--email", "ed@example.com", "--role", "viewer")
    for server in pair:
        with server.client(headers=headers) as c:
            assert c.post("/api/v1/projects", json={"name": "after"}).status_code == 403


def test_a_known_token_is_resolved_without_a_query_through_the_pool(tmp_path):
    from sqlalchemy import event

    from plandesk.core import tokens
    from plandesk.core.users import local_owner_actor

    ws = new_workspace(tmp_path)
    db = initialise(ws.settings())
    try:
        raw = tokens.create_token(db, local_owner_actor(db), name="agent")["token"]
        first = tokens.authenticate(db, raw)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        assert tokens.authenticate(db, raw) == first
        assert statements == []
        tokens.revoke_token(db, local_owner_actor(db), "agent")
        with pytest.raises(Exception, match="revoked"):
            tokens.authenticate(db, raw)
    finally:
        db.dispose()
        if ws.database_url:
            drop_pg_database(ws.database_url)
