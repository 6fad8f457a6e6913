"""On a PostgreSQL workspace, Plan Desk's own database cannot be saved as a project database: the settings are
refused when they are saved (not only when an agent queries), by identity (same server and database), however
the URL spells host, role or options."""

from __future__ import annotations

import uuid

import pytest
from conftest import new_workspace
from sql_fixtures import pg_admin

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_workspace_server(tmp_path, serve):
    pg_admin().close()  # skips when PostgreSQL is not reachable
    ws = new_workspace(tmp_path, backend="postgresql")
    role = f"pd_save_{uuid.uuid4().hex[:8]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        yield serve("app", ws), ws, role
    finally:
        from conftest import drop_pg_database

        drop_pg_database(ws.database_url)
        with pg_admin() as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def _put_databases(api, project_id: str, databases: list[dict]):
    return api.put(f"/api/v1/projects/{project_id}/connector", json={"databases": databases})


def test_the_workspace_database_is_refused_when_saved_under_another_spelling(pg_workspace_server):
    server, ws, role = pg_workspace_server
    api = server.client()
    project = api.post("/api/v1/projects", json={"name": "Own database"}).json()
    name = ws.database_url.rsplit("/", 1)[1]
    spellings = [
        f"postgresql://{role}@localhost:5432/{name}?application_name=x&connect_timeout=3",
        f"postgres://{role}@127.0.0.1/{name}",
    ]
    for url in spellings:
        r = _put_databases(api, project["id"], [{"name": "ws", "engine": "postgresql", "read_url": url}])
        assert r.status_code == 400, (url, r.text)
        assert r.json()["field"] == "databases[0].read_url"
        assert r.json()["reason"] == "own_database"
    other = f"postgresql://{role}@localhost:5432/test"  # another database of the same server
    r = _put_databases(
        api,
        project["id"],
        [{"name": "app", "engine": "postgresql", "read_url": other, "write_url": spellings[0]}],
    )
    assert r.status_code == 400
    assert r.json()["field"] == "databases[0].write_url"
    assert api.get(f"/api/v1/projects/{project['id']}/connector").json()["databases"] == []
    r = _put_databases(api, project["id"], [{"name": "app", "engine": "postgresql", "read_url": other}])
    assert r.status_code == 200, r.text
    assert [d["name"] for d in r.json()["databases"]] == ["app"]
