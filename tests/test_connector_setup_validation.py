"""The code connector as an agent meets it through MCP: it can list the project's recipes and databases, an
unknown name is refused with the valid ones, every call is checked completely before a person is asked to
approve it, and an approval spent by a call that failed does not read as used."""

from __future__ import annotations

import sqlite3

import pytest
from connector_fixtures import connector_config, make_team
from mcp_support import error, mcp_client, ok

pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]


@pytest.fixture(scope="module")
def team(app_server, tmp_path_factory):
    team = make_team(app_server, tmp_path_factory.mktemp("setup"))
    db_file = team.code_root.parent / "shop.db"
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
    config = connector_config(team.code_root)
    config["recipes"].append(
        {"name": "broken", "kind": "deploy", "argv": ["sh", "-c", "exit 3"], "timeout_s": 60}
    )
    config["databases"] = [
        {
            "name": "shop",
            "engine": "sqlite",
            "read_url": f"sqlite:///{db_file}",
            "write_url": f"sqlite:///{db_file}",
        }
    ]
    r = team.admin.put(f"/api/v1/projects/{team.project_id}/connector", json=config)
    assert r.status_code == 200, r.text
    # Writes and programs wait for approval too here, so every kind of invalid call meets the gate.
    r = team.admin.put(
        "/api/v1/settings/permissions",
        json={"approval_required": ["deploy", "git.push", "db.write", "code.write", "exec"]},
    )
    assert r.status_code == 200, r.text
    return team


def approval_count(team) -> int:
    return len(team.admin.get("/api/v1/approvals").json())


async def test_an_agent_lists_recipes_and_databases_by_name_and_kind_without_urls(server, team, member_token):
    async with mcp_client(server, member_token) as c:
        found = await ok(c, "code_search", {"project_id": team.project_id, "targets": True})
    assert found["recipes"] == [
        {"name": "app", "kind": "build"},
        {"name": "unit", "kind": "test"},
        {"name": "production", "kind": "deploy"},
        {"name": "broken", "kind": "deploy"},
    ]
    assert found["databases"] == [{"name": "shop", "engine": "sqlite", "writable": True}]
    assert "sqlite:" not in str(found)
    assert "argv" not in str(found)


async def test_unknown_recipe_and_database_names_are_refused_with_the_valid_names(server, team, member_token):
    pid = team.project_id
    async with mcp_client(server, member_token) as c:
        build = await error(c, "code_build", {"project_id": pid, "recipe": "nope"})
        database = await error(c, "code_db", {"project_id": pid, "database": "nope", "sql": "SELECT 1"})
    assert "app, unit" in build
    assert "shop" in database


@pytest.mark.parametrize(
    ("tool", "args", "says"),
    [
        ("code_deploy", {"recipe": "staging"}, "production, broken"),
        ("code_git", {"action": "push", "remote": "upstream"}, "origin"),
        ("code_file", {"action": "write", "path": "../outside.txt", "content": "x"}, "outside"),
        (
            "code_db",
            {"database": "shop", "sql": "DELETE FROM items WHERE (", "write": True},
            "does not parse",
        ),
    ],
    ids=["deploy-unknown-recipe", "push-unknown-remote", "write-outside-root", "unparsable-sql"],
)
async def test_an_invalid_call_is_refused_without_asking_for_approval(
    server, team, member_token, tool, args, says
):
    before = approval_count(team)
    async with mcp_client(server, member_token) as c:
        message = await error(c, tool, {"project_id": team.project_id, **args})
    assert says in message.lower() or says in message
    assert approval_count(team) == before
    assert not (team.code_root.parent / "outside.txt").exists()


async def test_an_approval_spent_by_a_failing_call_is_shown_as_failed_not_used(server, team, member_token):
    args = {"project_id": team.project_id, "recipe": "broken"}
    async with mcp_client(server, member_token) as c:
        pending = await ok(c, "code_deploy", args)
        approval_id = pending["approval_id"]
        assert team.admin.post(f"/api/v1/approvals/{approval_id}/approve").status_code == 200
        result = await ok(c, "code_deploy", {**args, "approval_id": approval_id})
        assert result["ok"] is False
        again = await error(c, "code_deploy", {**args, "approval_id": approval_id})
    assert "already used" in again
    assert team.admin.get(f"/api/v1/approvals/{approval_id}").json()["status"] == "failed"
