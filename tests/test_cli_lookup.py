"""Projects, tokens and users are named by id, the short id the CLI prints, or name, in every command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import create_token, run_cli

from plandesk.core import lookup, projects
from plandesk.core.errors import InvalidArgument, NotFound
from plandesk.core.users import local_owner_actor
from plandesk.core.workspace import initialise

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "checkout-revamp.json"
ROWS = [
    {"id": "a94c638d-1e50-425d-bad2-31bf36de8284", "name": "Checkout revamp"},
    {"id": "bfeaa98a-a706-4709-aae2-057e02d42bd6", "name": "Billing"},
    {"id": "bfe11111-0000-4000-8000-000000000000", "name": "Twin"},
    {"id": "c0ffee00-0000-4000-8000-000000000000", "name": "Twin"},
]


def test_a_full_id_names_its_record():
    assert lookup.resolve("project", ROWS[1]["id"], ROWS)["name"] == "Billing"


def test_the_short_id_the_cli_prints_names_its_record():
    assert lookup.resolve("project", lookup.short_id(ROWS[0]["id"]), ROWS)["name"] == "Checkout revamp"


def test_a_name_names_its_record():
    assert lookup.resolve("project", "Billing", ROWS)["id"] == ROWS[1]["id"]


def test_an_ambiguous_reference_lists_the_candidates():
    with pytest.raises(InvalidArgument) as err:
        lookup.resolve("project", "Twin", ROWS)
    assert ROWS[2]["id"] in err.value.message
    assert ROWS[3]["id"] in err.value.message


def test_a_prefix_shared_by_two_ids_is_ambiguous():
    with pytest.raises(InvalidArgument):
        lookup.resolve(
            "project", "bfe1", [ROWS[2], {"id": "bfe12222-0000-4000-8000-000000000000", "name": "y"}]
        )


def test_an_unknown_reference_is_not_found():
    with pytest.raises(NotFound):
        lookup.resolve("project", "Nope", ROWS)


def test_a_prefix_shorter_than_four_characters_names_nothing():
    with pytest.raises(NotFound):
        lookup.resolve("project", "a9", ROWS)


@pytest.fixture
def two_projects(workspace):
    first = run_cli(workspace, "import", "--in", str(EXAMPLE)).stdout.strip().splitlines()[-1]
    db = initialise(workspace.settings())
    try:
        billing = projects.create_project(db, local_owner_actor(db), {"name": "Billing"})
    finally:
        db.dispose()
    return first, billing["id"]


def test_export_takes_the_short_id_and_the_name(workspace, two_projects, tmp_path):
    first, _ = two_projects
    for ref in (lookup.short_id(first), "Checkout revamp"):
        out = tmp_path / "plan.json"
        run_cli(workspace, "export", "--project", ref, "--out", str(out))
        assert json.loads(out.read_text())["project"]["id"] == first


def test_token_create_takes_the_short_id_and_the_name(workspace, two_projects):
    first, billing = two_projects
    run_cli(
        workspace,
        "token",
        "create",
        "--name",
        "a",
        "--project",
        lookup.short_id(first),
        "--project",
        "Billing",
    )
    (row,) = json.loads(run_cli(workspace, "token", "list", "--json").stdout)
    assert set(row["project_ids"]) == {first, billing}


def test_an_unknown_project_is_said_in_the_user_s_words(workspace, two_projects):
    out = run_cli(workspace, "token", "create", "--name", "a", "--project", "deadbeef", check=False)
    assert out.returncode == 1
    assert "project 'deadbeef' not found" in out.stderr
    assert "project_ids" not in out.stderr
    assert "UUID" not in out.stderr


def test_token_revoke_takes_the_short_id_from_token_list(workspace):
    create_token(workspace, "Claude Code")
    (row,) = json.loads(run_cli(workspace, "token", "list", "--json").stdout)
    run_cli(workspace, "token", "revoke", lookup.short_id(row["id"]))
    (row,) = json.loads(run_cli(workspace, "token", "list", "--json").stdout)
    assert row["state"] == "revoked"
