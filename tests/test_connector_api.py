"""REST for the code connector: a project's settings, the workspace permission matrix, approvals, logs."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select

from plandesk.db.schema import connector_configs

# One `plandesk serve` for the module (the connection test opens an MCP session to its listening port);
# each test makes its own project.
pytestmark = pytest.mark.server("port")


def _put(api, project, body):
    return api.put(f"/api/v1/projects/{project['id']}/connector", json=body)


def test_a_new_project_has_the_connector_off_and_nothing_configured(api, project):
    r = api.get(f"/api/v1/projects/{project['id']}/connector")
    assert r.status_code == 200
    body = r.json()
    assert body["enabled"] is False
    assert body["code_root"] is None
    assert body["recipes"] == []
    assert body["databases"] == []
    assert body["exec_allowlist"] == []


def test_settings_round_trip_with_defaults_filled_in(api, project, tmp_path):
    tmp_path = tmp_path / "code"
    tmp_path.mkdir()
    body = {
        "enabled": True,
        "code_root": str(tmp_path),
        "recipes": [{"name": "api", "kind": "build", "argv": ["make", "api"]}],
        "databases": [{"name": "app", "engine": "sqlite", "read_url": f"sqlite:///{tmp_path}/app.db"}],
        "exec_allowlist": ["pytest", "ls"],
    }
    r = _put(api, project, body)
    assert r.status_code == 200, r.text
    got = api.get(f"/api/v1/projects/{project['id']}/connector").json()
    assert got["enabled"] is True
    assert got["code_root"] == str(tmp_path.resolve())
    assert got["recipes"] == [{"name": "api", "kind": "build", "argv": ["make", "api"], "timeout_s": 600}]
    assert got["databases"][0]["write_url"] is None
    assert got["exec_allowlist"] == ["pytest", "ls"]


def test_a_recipe_declares_its_environment_and_network(api, project, tmp_path):
    recipe = {
        "name": "ship",
        "kind": "deploy",
        "argv": ["make", "ship"],
        "env": {"TARGET": "staging"},
        "network": False,
    }
    r = _put(api, project, {"enabled": True, "code_root": str(tmp_path), "recipes": [recipe]})
    assert r.status_code == 200, r.text
    got = api.get(f"/api/v1/projects/{project['id']}/connector").json()["recipes"]
    assert got == [{**recipe, "timeout_s": 600}]


def test_database_passwords_are_masked_and_the_mask_keeps_the_stored_secret(
    api, project, tmp_path, workspace
):
    url = "postgresql://reader:s3cret-pass@db.example:5432/app"
    assert (
        _put(
            api, project, {"databases": [{"name": "app", "engine": "postgresql", "read_url": url}]}
        ).status_code
        == 200
    )
    shown = api.get(f"/api/v1/projects/{project['id']}/connector").json()["databases"][0]["read_url"]
    assert "s3cret-pass" not in shown
    assert shown == "postgresql://reader:****@db.example:5432/app"
    assert (
        _put(
            api, project, {"databases": [{"name": "app", "engine": "postgresql", "read_url": shown}]}
        ).status_code
        == 200
    )
    engine = create_engine(workspace.settings().resolved_database_url)
    with engine.connect() as conn:
        stored = conn.execute(
            select(connector_configs.c.config).where(connector_configs.c.project_id == project["id"])
        ).scalar_one()
    engine.dispose()
    assert (json.loads(stored) if isinstance(stored, str) else stored)["databases"][0]["read_url"] == url


def test_bad_settings_are_refused_naming_the_field_and_nothing_is_saved(api, project, tmp_path):
    cases = [
        ({"code_root": "relative/path"}, "code_root"),
        ({"code_root": str(tmp_path / "missing")}, "code_root"),
        ({"code_root": "/"}, "code_root"),
        ({"recipes": [{"name": "a b", "kind": "build", "argv": ["x"]}]}, "recipes[0].name"),
        (
            {
                "recipes": [
                    {"name": "a", "kind": "build", "argv": ["x"]},
                    {"name": "a", "kind": "test", "argv": ["y"]},
                ]
            },
            "recipes[1].name",
        ),
        (
            {"databases": [{"name": "d", "engine": "mysql", "read_url": "postgresql://x/y"}]},
            "databases[0].read_url",
        ),
        (
            {"databases": [{"name": "d", "engine": "sqlite", "read_url": "sqlite:///relative.db"}]},
            "databases[0].read_url",
        ),
        ({"recipes": [{"name": "a", "kind": "build", "argv": ["x"], "env": {"A B": "1"}}]}, "recipes[0].env"),
        (
            {"recipes": [{"name": "a", "kind": "build", "argv": ["x"], "env": {"PATH": "/evil"}}]},
            "recipes[0].env",
        ),
        (
            {"recipes": [{"name": "a", "kind": "build", "argv": ["x"], "network": "yes"}]},
            "recipes[0].network",
        ),
        ({"exec_allowlist": ["/usr/bin/ls"]}, "exec_allowlist"),
        ({"exec_allowlist": ["ls; rm -rf /"]}, "exec_allowlist"),
    ]
    for body, field in cases:
        r = _put(api, project, {"enabled": True, **body})
        assert r.status_code == 400, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "invalid_argument", (body, r.json())
        assert r.json()["field"] == field, (body, r.json())
    assert api.get(f"/api/v1/projects/{project['id']}/connector").json()["enabled"] is False


def test_the_workspace_data_directory_cannot_be_a_code_root(api, project, workspace):
    r = _put(api, project, {"code_root": str(workspace.data_dir.parent)})
    assert r.status_code == 400
    assert "data directory" in r.json()["message"]


def test_a_token_can_neither_change_connector_settings_nor_permissions(server, api, project):
    token = api.post("/api/v1/tokens", json={"name": "agent", "toolsets": ["planning", "code"]}).json()[
        "token"
    ]
    agent = server.client(headers={"Authorization": f"Bearer {token}"})
    r = agent.put(f"/api/v1/projects/{project['id']}/connector", json={"exec_allowlist": ["sh"]})
    assert r.status_code == 403
    assert r.json()["permission"] == "connector.configure"
    r = agent.put("/api/v1/settings/permissions", json={"matrix": {"viewer": ["exec"]}})
    assert r.status_code == 403
    assert r.json()["permission"] == "settings.permissions"
    assert "exec" not in api.get("/api/v1/settings/permissions").json()["matrix"]["viewer"]


def test_the_sandbox_is_on_by_default_and_reports_whether_bubblewrap_is_here(api):
    doc = api.get("/api/v1/settings/sandbox").json()
    assert doc["unsandboxed"] is False
    assert isinstance(doc["sandbox_available"], bool)


def test_only_an_owner_as_a_person_switches_to_unsandboxed_mode(server, api):
    token = api.post("/api/v1/tokens", json={"name": "owner-agent"}).json()["token"]
    agent = server.client(headers={"Authorization": f"Bearer {token}"})
    refused = agent.put("/api/v1/settings/sandbox", json={"unsandboxed": True})
    assert refused.status_code == 403
    assert api.get("/api/v1/settings/sandbox").json()["unsandboxed"] is False
    switched = api.put("/api/v1/settings/sandbox", json={"unsandboxed": True})
    assert switched.status_code == 200
    assert switched.json()["unsandboxed"] is True
    assert api.put("/api/v1/settings/sandbox", json={"unsandboxed": False}).json()["unsandboxed"] is False


def test_the_default_matrix_is_safe(api):
    doc = api.get("/api/v1/settings/permissions").json()
    assert doc["matrix"]["viewer"] == ["code.search", "code.read", "git.read"]
    assert set(doc["matrix"]["member"]) == set(doc["operations"])
    assert doc["approval_required"] == ["git.push", "deploy", "db.write"]


def test_the_matrix_changes_but_the_owner_keeps_everything(api):
    r = api.put(
        "/api/v1/settings/permissions",
        json={"matrix": {"owner": [], "member": ["code.search"]}, "approval_required": ["exec"]},
    )
    assert r.status_code == 200, r.text
    doc = api.get("/api/v1/settings/permissions").json()
    assert doc["matrix"]["member"] == ["code.search"]
    assert doc["approval_required"] == ["exec"]
    assert set(doc["matrix"]["owner"]) == set(doc["operations"])
    assert doc["matrix"]["viewer"] == ["code.search", "code.read", "git.read"]  # rows not sent are kept


def test_an_unknown_operation_or_role_is_refused(api):
    for body, field in (
        ({"matrix": {"member": ["code.delete"]}}, "matrix.member[0]"),
        ({"matrix": {"guest": ["code.read"]}}, "matrix.guest"),
        ({"approval_required": ["deploy", "launch"]}, "approval_required[1]"),
        ({"matrix": {}, "extra": 1}, "extra"),
    ):
        r = api.put("/api/v1/settings/permissions", json=body)
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "invalid_argument", r.text
        assert r.json()["field"].startswith(field.split(".")[0]), (body, r.json())


def test_approvals_list_is_empty_and_an_unknown_approval_is_not_found(api):
    assert api.get("/api/v1/approvals").json() == []
    r = api.post("/api/v1/approvals/00000000-0000-4000-8000-000000000000/approve")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert api.post("/api/v1/approvals/not-a-uuid/deny").status_code == 400


def test_a_log_that_does_not_exist_is_not_found(api, project, tmp_path):
    (tmp_path / "code").mkdir()
    tmp_path = tmp_path / "code"
    _put(api, project, {"enabled": True, "code_root": str(tmp_path)})
    for log_id in ("00000000-0000-4000-8000-000000000000", "..%2F..%2Fworkspace.db", "x"):
        r = api.get(f"/api/v1/projects/{project['id']}/connector/logs/{log_id}")
        assert r.status_code == 404, (log_id, r.text)


def test_the_connection_test_names_a_revoked_token(api):
    created = api.post(
        "/api/v1/tokens", json={"name": "soon revoked", "toolsets": ["planning", "code"]}
    ).json()
    api.post(f"/api/v1/tokens/{created['id']}/revoke")
    r = api.post("/api/v1/connector/test-connection", json={"token": created["token"]})
    assert r.status_code == 200
    assert r.json()["ok"] is False
    assert "revoked" in r.json()["problem"]


def test_the_connection_test_runs_a_real_mcp_session_and_names_the_switch(api, project):
    token = api.post("/api/v1/tokens", json={"name": "code", "toolsets": ["planning", "code"]}).json()[
        "token"
    ]
    r = api.post("/api/v1/connector/test-connection", json={"token": token, "project_id": project["id"]})
    body = r.json()
    assert body["ok"] is False
    assert "code connector is off" in body["problem"]
    assert [c["name"] for c in body["checks"] if c["ok"]] == [
        "token",
        "MCP initialize and tools/list",
        "code tools",
    ]
    planning = api.post("/api/v1/tokens", json={"name": "planning"}).json()["token"]
    r = api.post("/api/v1/connector/test-connection", json={"token": planning})
    assert r.json()["ok"] is False
    assert "code toolset" in r.json()["problem"]
