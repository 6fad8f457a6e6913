"""The code toolset grant, as the core decides it for REST and MCP alike: `all` includes `code`."""

from __future__ import annotations

import pytest

from plandesk.cli.common import cli_actor
from plandesk.core import permissions, projects, tokens
from plandesk.core.workspace import initialise
from plandesk.settings import load_settings


@pytest.fixture
def workspace(tmp_path):
    db = initialise(load_settings(data_dir=str(tmp_path)))
    owner = cli_actor(db)
    project = projects.create_project(db, owner, {"name": "Grants"})
    return db, owner, project["id"]


def _token_actor(db, owner, toolsets):
    raw = tokens.create_token(db, owner, name=f"grant {toolsets}", toolsets=toolsets)["token"]
    return tokens.authenticate(db, raw)


def test_a_token_created_with_all_passes_the_code_toolset_check(workspace):
    db, owner, project_id = workspace
    decision = permissions.authorize(db, _token_actor(db, owner, ["all"]), project_id, "code.search")
    # The connector is off in a new project: the refusal must be that switch, not the toolset.
    assert decision.permission == "connector.enabled"


def test_a_token_created_with_all_holds_code_operations(workspace):
    db, owner, _project_id = workspace
    assert "code.search" in permissions.allowed_operations(db, _token_actor(db, owner, ["all"]))


def test_a_planning_token_is_still_refused_the_code_connector(workspace):
    db, owner, project_id = workspace
    decision = permissions.authorize(db, _token_actor(db, owner, ["planning"]), project_id, "code.search")
    assert decision.permission == "toolset:code"
