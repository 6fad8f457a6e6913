"""On a SQLite workspace, Plan Desk's own database file is refused as a project database under any other name:
a hard link or a symlink outside the data directory, or a path spelled with '/./' and '//'."""

from __future__ import annotations

import os

import pytest
from conftest import new_workspace, serve_on


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """An in-process server on a SQLite workspace, whatever backend the run tests."""
    srv = serve_on(new_workspace(tmp_path_factory.mktemp("own-file"), backend="sqlite"), "app")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(live):
    return live.client()


def _workspace_file(live) -> str:
    return str(live.workspace.settings().resolved_database_url).split("sqlite:///", 1)[1]


@pytest.mark.parametrize("spelling", ["hard_link", "symlink", "dotted_path"])
def test_the_workspace_file_is_refused_however_it_is_named(live, api, tmp_path, spelling):
    own = _workspace_file(live)
    project = api.post("/api/v1/projects", json={"name": f"Own file {spelling}"}).json()
    if spelling == "hard_link":
        path = tmp_path / "reports.db"
        os.link(own, path)
    elif spelling == "symlink":
        path = tmp_path / "reports.db"
        path.symlink_to(own)
    else:
        path = own.replace("/", "//").replace(os.path.basename(own), "./" + os.path.basename(own))
    r = api.put(
        f"/api/v1/projects/{project['id']}/connector",
        json={"databases": [{"name": "reports", "engine": "sqlite", "read_url": f"sqlite:///{path}"}]},
    )
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "databases[0].read_url"
    assert "own database" in r.json()["message"]
