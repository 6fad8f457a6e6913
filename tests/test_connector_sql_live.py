"""On a live server with a PostgreSQL workspace: the workspace database is refused as a project database however
its URL is spelled (code_db over MCP never reads api_tokens), the connection test says why, and every secret in
a database URL is masked for everyone who can see the settings (REST and the settings page)."""

from __future__ import annotations

import uuid

import pytest
from conftest import drop_pg_database, new_workspace, serve_on
from connector_fixtures import make_team, sign_in
from mcp_support import connect, error
from sql_fixtures import pg_admin

pytestmark = [pytest.mark.postgres]
SECRET = "hunter2-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    pg_admin().close()  # skips the module when PostgreSQL is not there
    ws = new_workspace(tmp_path_factory.mktemp("sql-live"), backend="postgresql")
    # PostgreSQL whatever the run's backend, on a real port: the connection test opens an MCP session to it.
    srv = serve_on(ws, "port")
    yield srv
    srv.stop()
    drop_pg_database(ws.database_url)


@pytest.fixture(scope="module")
def team(live, tmp_path_factory):
    return make_team(live, tmp_path_factory.mktemp("team"))


@pytest.fixture(scope="module")
def workspace_reader(live):
    """A SELECT-only role on Plan Desk's own database: exactly what an admin might paste as a project database."""
    dbname = live.workspace.database_url.rsplit("/", 1)[1]
    role = f"pd_ws_reader_{uuid.uuid4().hex[:8]}"
    import psycopg

    with pg_admin() as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    with psycopg.connect(live.workspace.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    yield f"postgresql://{role}@localhost:5432/{dbname}?application_name=reporting&connect_timeout=4"
    with psycopg.connect(live.workspace.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}"')
    with pg_admin() as admin:
        admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def _databases(team, databases: list[dict]) -> None:
    r = team.admin.put(f"/api/v1/projects/{team.project_id}/connector", json={"databases": databases})
    assert r.status_code == 200, r.text


def _stored_anyway(live, team, databases: list[dict]) -> None:
    """Saving the workspace database is refused (test_connector_own_database_save); a setting stored before that
    check existed is written here as it would have been, to show every connection still refuses it."""
    r = team.admin.put(f"/api/v1/projects/{team.project_id}/connector", json={"databases": databases})
    assert r.status_code == 400, r.text
    assert r.json()["reason"] == "own_database"
    from sqlalchemy import create_engine, select

    from plandesk.db.schema import connector_configs

    engine = create_engine(live.workspace.settings().resolved_database_url)
    with engine.begin() as conn:
        config = conn.execute(
            select(connector_configs.c.config).where(connector_configs.c.project_id == team.project_id)
        ).scalar_one()
        conn.execute(
            connector_configs.update()
            .where(connector_configs.c.project_id == team.project_id)
            .values(config={**config, "databases": databases})
        )
    engine.dispose()


@pytest.mark.anyio
async def test_a_project_token_cannot_read_api_tokens_through_the_workspace_database(
    live, team, workspace_reader
):
    _stored_anyway(live, team, [{"name": "reporting", "engine": "postgresql", "read_url": workspace_reader}])
    token = team.token("member@example.com", "scoped agent", project_ids=[team.project_id])
    async with connect(live.mcp_url, token) as c:
        message = await error(
            c, "code_db", {"database": "reporting", "sql": "SELECT token_hash FROM api_tokens"}
        )
    assert "Plan Desk's own database" in message


def test_the_connection_test_explains_a_refused_database(live, team, workspace_reader):
    _stored_anyway(live, team, [{"name": "reporting", "engine": "postgresql", "read_url": workspace_reader}])
    token = team.token("admin@example.com", "connection test")
    r = team.admin.post(
        "/api/v1/connector/test-connection", json={"token": token, "project_id": team.project_id}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is False
    assert "own database" in body["problem"]
    assert [c["ok"] for c in body["checks"] if c["name"].startswith("database reporting")] == [False]


SECRET_URLS = [
    f"postgresql://reader:{SECRET}@db.example:5432/app",
    f"postgresql://reader@db.example/app?sslmode=require&password={SECRET}",
    f"postgresql://reader@db.example/app?pass%77ord={SECRET}&application_name=x",
    f"postgresql://reader@db.example/app?sslpassword={SECRET}&passfile=/home/{SECRET}/.pgpass",
]


@pytest.mark.parametrize("url", SECRET_URLS, ids=["userinfo", "password", "encoded_name", "ssl_and_passfile"])
def test_a_viewer_never_sees_a_secret_of_a_database_url(live, team, url):
    _databases(team, [{"name": "app", "engine": "postgresql", "read_url": url, "write_url": url}])
    viewer = sign_in(live, "viewer@example.com")
    shown = viewer.get(f"/api/v1/projects/{team.project_id}/connector")
    assert shown.status_code == 200
    assert SECRET not in shown.text
    assert "****" in shown.json()["databases"][0]["read_url"]
    page = team.admin.get(f"/projects/{team.project_id}/settings/code")
    assert page.status_code == 200
    assert SECRET not in page.text


def test_sending_back_the_masked_url_keeps_the_stored_secret(live, team):
    url = f"postgresql://reader@db.example/app?sslmode=require&password={SECRET}"
    _databases(team, [{"name": "app", "engine": "postgresql", "read_url": url}])
    masked = team.admin.get(f"/api/v1/projects/{team.project_id}/connector").json()["databases"][0][
        "read_url"
    ]
    assert masked == "postgresql://reader@db.example/app?sslmode=require&password=****"
    _databases(team, [{"name": "app", "engine": "postgresql", "read_url": masked}])
    changed = masked.replace("db.example", "db2.example")
    r = team.admin.put(
        f"/api/v1/projects/{team.project_id}/connector",
        json={"databases": [{"name": "app", "engine": "postgresql", "read_url": changed}]},
    )
    assert r.status_code == 400
    assert r.json()["field"] == "databases[0].read_url"
