"""Cached token callers never outlive a change: revoke, rotate, expiry and role changes made in one process
apply on the very next call in another (two servers on one SQLite workspace; one server with two workers
on PostgreSQL)."""

from __future__ import annotations

import httpx2
import pytest
from conftest import BACKEND, drop_pg_database, new_workspace, start_server

from plandesk.core.workspace import initialise


@pytest.fixture
def servers(tmp_path):
    """Two processes serving one workspace: two servers on SQLite, or one server with --workers 2 on PostgreSQL
    (then both "servers" are the same URL and calls land on either worker)."""
    ws = new_workspace(tmp_path)
    initialise(ws.settings()).dispose()
    if BACKEND == "postgresql":
        one = start_server(ws, "--workers", "2")
        pair = [one, one]
    else:
        pair = [start_server(ws), start_server(ws)]
    yield ws, pair
    for s in {id(s): s for s in pair}.values():
        s.stop()
    if ws.database_url:
        drop_pg_database(ws.database_url)


def _get(server, token: str) -> httpx2.Response:
    return httpx2.get(
        f"{server.url}/api/v1/projects", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def _warm(pair, token: str) -> None:
    """Several calls on each process, so every worker holds the caller in its cache."""
    for server in pair:
        for _ in range(6):
            assert _get(server, token).status_code == 200


def test_a_revoked_token_gets_401_on_the_next_call_in_the_other_process(servers):
    ws, pair = servers
    token = ws.create_token("agent")
    _warm(pair, token)
    ws.cli("token", "revoke", "agent")
    assert _get(pair[1], token).status_code == 401
    assert _get(pair[0], token).status_code == 401


def test_a_rotated_token_value_gets_401_and_the_new_one_works(servers):
    ws, pair = servers
    token = ws.create_token("agent")
    _warm(pair, token)
    fresh = ws.cli("token", "rotate", "agent").stdout.strip().splitlines()[-1]
    assert _get(pair[1], token).status_code == 401
    assert _get(pair[0], fresh).status_code == 200


def test_an_expired_token_gets_401_on_the_next_call(servers):
    ws, pair = servers
    token = ws.create_token("agent", "--expires", "8w")
    _warm(pair, token)
    from plandesk.core.workspace import open_database

    db = open_database(ws.settings())
    try:
        with db.write() as tx:  # the token's lifetime ends now, as if eight weeks had passed
            tx.conn.exec_driver_sql("UPDATE api_tokens SET expires_at = created_at WHERE name = 'agent'")
    finally:
        db.dispose()
    assert _get(pair[1], token).status_code == 401


def test_a_role_change_applies_on_the_next_call_in_the_other_process(servers):
    ws, pair = servers
    ws.cli(
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
    assert (
        httpx2.post(
            f"{pair[1].url}/api/v1/projects", json={"name": "before"}, headers=headers, timeout=30
        ).status_code
        == 201
    )
    ws.cli("user", "role", "--email", "ed@example.com", "--role", "viewer")
    r = httpx2.post(f"{pair[1].url}/api/v1/projects", json={"name": "after"}, headers=headers, timeout=30)
    assert r.status_code == 403


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
