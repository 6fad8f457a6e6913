"""MCP tokens in the CLI: shown once on the last line, listed with their state, revoked or rotated by name or by
the short id the list shows, stored only as a hash."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from cli_support import create_token, run_cli
from mcp_support import LIST_TOOLS, raw_post
from sqlalchemy import select, update

from plandesk.core.clock import aware, now
from plandesk.core.workspace import open_database
from plandesk.db.schema import api_tokens

pytestmark = pytest.mark.server("app")
TOKEN_SHAPE = re.compile(r"plandesk_mcp_[A-Za-z0-9_-]{43,}")


@pytest.fixture
def db(server):
    database = open_database(server.workspace.settings())
    yield database
    database.dispose()


def _listed(ws) -> dict[str, dict]:
    return {t["name"]: t for t in json.loads(run_cli(ws, "token", "list", "--json").stdout)}


def test_create_prints_the_raw_token_once_alone_on_the_last_line(server):
    proc = run_cli(server.workspace, "token", "create", "--name", "Claude Code")
    last = proc.stdout.strip().splitlines()[-1]
    assert TOKEN_SHAPE.fullmatch(last), last  # 32 random bytes are 43 base64url characters
    assert proc.stdout.strip() == last
    assert "shown once" in proc.stderr
    assert last not in run_cli(server.workspace, "token", "list").stdout


def test_only_a_hash_of_the_token_is_stored(server, db):
    raw = create_token(server.workspace, "hashed")
    with db.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(api_tokens))]
    dumped = json.dumps(rows, default=str)
    assert raw not in dumped
    assert raw[len("plandesk_mcp_") :] not in dumped
    assert any(r["name"] == "hashed" and len(r["token_hash"]) == 64 for r in rows)


def test_the_list_shows_prefix_use_expiry_and_state(server):
    ws = server.workspace
    raw = create_token(ws, "listed", "--expires", "30d", "--read-only", "--toolsets", "planning")
    row = _listed(ws)["listed"]
    assert row["state"] == "active"
    assert row["read_only"] is True
    assert raw.startswith(row["prefix"])
    assert row["last_used_at"] is None
    assert row["expires_at"] > row["created_at"]
    assert raw_post(server, LIST_TOOLS, token=raw).status_code == 200
    assert _listed(ws)["listed"]["last_used_at"] is not None
    table = run_cli(ws, "token", "list").stdout
    assert "listed" in table
    assert "active" in table
    assert row["id"][:8] in table


def test_revoke_by_the_short_id_the_list_shows(server):
    ws = server.workspace
    raw = create_token(ws, "short id")
    short = _listed(ws)["short id"]["id"][:8]
    assert "Revoked token 'short id'" in run_cli(ws, "token", "revoke", short).stdout
    assert _listed(ws)["short id"]["state"] == "revoked"
    assert raw_post(server, LIST_TOOLS, token=raw).status_code == 401


def test_rotating_an_expired_token_brings_it_back_with_its_old_lifetime(server, db):
    ws = server.workspace
    old = create_token(ws, "expiring", "--expires", "7d")
    with db.write() as tx:  # arrange: a week has passed
        tx.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.name == "expiring")
            .values(created_at=now() - timedelta(days=8), expires_at=now() - timedelta(days=1))
        )
    assert raw_post(server, LIST_TOOLS, token=old).json()["reason"] == "expired_token"
    new = run_cli(ws, "token", "rotate", "expiring").stdout.strip().splitlines()[-1]
    assert raw_post(server, LIST_TOOLS, token=new).status_code == 200
    assert raw_post(server, LIST_TOOLS, token=old).status_code == 401
    with db.read() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.name == "expiring")).first()
    lifetime = aware(row.expires_at) - aware(row.created_at)
    assert abs(lifetime - timedelta(days=7)) < timedelta(seconds=5)
    assert aware(row.expires_at) > now()
    forever = run_cli(ws, "token", "rotate", "expiring", "--expires", "never", "--json").stdout
    assert json.loads(forever)["expires_at"] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (("--toolsets", "planning,astrology"), "toolsets must be one of"),
        (("--project", "00000000-0000-4000-8000-000000000000"), "not found"),
        (("--expires", "soon"), "expires must look like"),
    ],
)
def test_create_refuses_bad_scopes_with_a_clear_message(server, args, message):
    proc = run_cli(server.workspace, "token", "create", "--name", "refused", *args, check=False)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "plandesk_mcp_" not in proc.stdout


def test_revoking_an_unknown_token_fails_with_a_message(server):
    proc = run_cli(server.workspace, "token", "revoke", "no-such-token", check=False)
    assert proc.returncode == 1
    assert "token 'no-such-token' not found" in proc.stderr


def test_a_token_cannot_mint_revoke_or_rotate_tokens_over_rest(server):
    raw = create_token(server.workspace, "self-serve")
    api = server.client(headers={"authorization": f"Bearer {raw}"})
    r = api.post("/api/v1/tokens", json={"name": "child"})
    assert r.status_code == 401
    assert "tokens cannot mint tokens" in r.json()["message"]
    assert api.post("/api/v1/tokens/self-serve/rotate").status_code == 401
    assert api.post("/api/v1/tokens/self-serve/revoke").status_code == 401
    assert raw_post(server, LIST_TOOLS, token=raw).status_code == 200
