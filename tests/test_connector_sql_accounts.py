"""The database holds the line, not only the checker: accounts that can read server files, run programs or write
are refused at every connection and by the connection test; rows are capped while they are fetched; Plan Desk's
own database is recognised by identity however its URL is spelled."""

from __future__ import annotations

import os
import sqlite3
import uuid

import pytest
from sql_fixtures import (
    PG_ADMIN,
    my_admin,
    pg_admin,
    pg_url,
)

from plandesk.connector import database
from plandesk.core.errors import PlanDeskError
from plandesk.db.engine import Database

INFINITE = {  # each would run until its time limit if the driver fetched every row before the cap applied
    "sqlite": "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT x FROM r",
    "postgresql": "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT x FROM r",
    "mysql": "SELECT seq FROM seq_1_to_1000000000000",
}
WIDE = {  # 200 rows of 100 kB: 20 MB, more than one answer may hold
    "sqlite": "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 200) "
    "SELECT x, printf('%.*c', 100000, 'x') FROM r",
    "postgresql": "SELECT g, repeat('x', 100000) FROM generate_series(1, 200) g",
    "mysql": "SELECT seq, REPEAT('x', 100000) FROM seq_1_to_200",
}


@pytest.fixture
def pg_role(pg_scratch):
    """A fresh login role on the scratch database, dropped afterwards; the test grants it what it needs."""
    name = f"{pg_scratch.name}_{uuid.uuid4().hex[:6]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE ROLE "{name}" LOGIN')
    yield name
    import psycopg

    with psycopg.connect(pg_scratch.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{name}"')  # its grants on the scratch database's tables
    with pg_admin() as admin:
        admin.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
def my_user(my_scratch):
    name = f"{my_scratch.name}_{uuid.uuid4().hex[:6]}"
    conn = my_admin()
    with conn.cursor() as cur:
        cur.execute(f"CREATE USER '{name}'@'%' IDENTIFIED BY 'pw'")
    yield name, f"mysql://{name}:pw@127.0.0.1:3306/{my_scratch.name}", conn
    with conn.cursor() as cur:
        cur.execute(f"DROP USER IF EXISTS '{name}'@'%'")
        cur.execute(f"DROP ROLE IF EXISTS `r_{name}`")
    conn.close()


def _target(engine: str, tmp_path, pg_scratch=None, my_scratch=None) -> dict:
    if engine == "sqlite":
        path = tmp_path / "project.db"
        sqlite3.connect(path).close()
        return {"name": "app", "engine": "sqlite", "read_url": f"sqlite:///{path}"}
    s = pg_scratch if engine == "postgresql" else my_scratch
    return {"name": "app", "engine": engine, "read_url": s.reader_url}


def _refused(config: dict, sql: str = "SELECT 1", **kw) -> PlanDeskError:
    with pytest.raises(PlanDeskError) as caught:
        database.run_statement(config, sql, **kw)
    return caught.value


# -- accounts ------------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_a_postgresql_superuser_read_url_is_refused_before_the_statement_runs(pg_scratch):
    config = {
        "name": "app",
        "engine": "postgresql",
        "read_url": PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_scratch.name}",
    }
    exc = _refused(config, "SELECT pg_backend_pid()")
    assert exc.code == "forbidden"
    assert "superuser" in exc.message
    assert exc.extra["reason"] == "privileged_account"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "role", ["pg_read_server_files", "pg_write_server_files", "pg_execute_server_program"]
)
def test_a_postgresql_account_holding_a_file_or_program_role_is_refused(pg_scratch, pg_role, role):
    with pg_admin() as admin:
        admin.execute(f'GRANT {role} TO "{pg_role}"')
    config = {"name": "app", "engine": "postgresql", "read_url": pg_url(pg_role, pg_scratch.name)}
    exc = _refused(config)
    assert exc.code == "forbidden"
    assert role in exc.message


@pytest.mark.postgres
def test_a_postgresql_read_account_that_may_write_a_table_is_refused(pg_scratch, pg_role):
    import psycopg

    with psycopg.connect(pg_scratch.admin_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS writable (a int)")
        conn.execute(f'GRANT SELECT, UPDATE ON writable TO "{pg_role}"')
    config = {
        "name": "app",
        "engine": "postgresql",
        "read_url": pg_url(pg_role, pg_scratch.name),
        "write_url": pg_url(pg_role, pg_scratch.name),
    }
    exc = _refused(config)
    assert exc.code == "forbidden"
    assert "UPDATE" in exc.message
    # The same account is fine as a write URL: writing is its job there.
    assert database.run_statement(config, "UPDATE writable SET a = 1", write=True)["affected_rows"] == 0


@pytest.mark.mariadb
def test_mariadb_root_is_refused_as_a_read_account(my_scratch):
    exc = _refused({"name": "app", "engine": "mysql", "read_url": my_scratch.admin_url})
    assert exc.code == "forbidden"
    assert "ALL PRIVILEGES" in exc.message


@pytest.mark.mariadb
@pytest.mark.parametrize(
    "grant,named",
    [
        ("FILE ON *.*", "FILE"),
        ("SUPER ON *.*", "SUPER"),
        ("INSERT ON {db}.*", "INSERT"),
        ("EXECUTE ON {db}.*", "EXECUTE"),
    ],
)
def test_a_mariadb_read_account_with_more_than_select_is_refused(my_scratch, my_user, grant, named):
    name, url, admin = my_user
    with admin.cursor() as cur:
        cur.execute(f"GRANT SELECT ON `{my_scratch.name}`.* TO '{name}'@'%'")
        cur.execute(f"GRANT {grant.format(db='`' + my_scratch.name + '`')} TO '{name}'@'%'")
    exc = _refused({"name": "app", "engine": "mysql", "read_url": url})
    assert exc.code == "forbidden"
    assert named in exc.message


@pytest.mark.mariadb
def test_a_mariadb_privilege_held_through_a_role_counts(my_scratch, my_user):
    name, url, admin = my_user
    with admin.cursor() as cur:
        cur.execute(f"GRANT SELECT ON `{my_scratch.name}`.* TO '{name}'@'%'")
        cur.execute(f"CREATE ROLE `r_{name}`")
        cur.execute(f"GRANT FILE ON *.* TO `r_{name}`")
        cur.execute(f"GRANT `r_{name}` TO '{name}'@'%'")
    exc = _refused({"name": "app", "engine": "mysql", "read_url": url})
    assert exc.code == "forbidden"
    assert "FILE" in exc.message


@pytest.mark.mariadb
def test_a_mariadb_write_account_with_file_is_refused(my_scratch, my_user):
    name, url, admin = my_user
    with admin.cursor() as cur:
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{my_scratch.name}`.* TO '{name}'@'%'")
        cur.execute(f"GRANT FILE ON *.* TO '{name}'@'%'")
    exc = _refused(
        {"name": "app", "engine": "mysql", "read_url": my_scratch.reader_url, "write_url": url},
        "DELETE FROM nothing",
        write=True,
    )
    assert exc.code == "forbidden"
    assert "FILE" in exc.message


@pytest.mark.postgres
@pytest.mark.mariadb
def test_the_connection_test_names_each_refused_account_and_passes_least_privilege_ones(
    pg_scratch, my_scratch, tmp_path
):
    from plandesk.connector.connection_test import check_databases

    workspace = Database(f"sqlite:///{tmp_path}/workspace.db")
    config = {
        "databases": [
            {
                "name": "pg-admin",
                "engine": "postgresql",
                "read_url": PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_scratch.name}",
            },
            {
                "name": "pg-reader",
                "engine": "postgresql",
                "read_url": pg_scratch.reader_url,
                "write_url": pg_scratch.writer_url,
            },
            {"name": "my-root", "engine": "mysql", "read_url": my_scratch.admin_url},
            {
                "name": "my-reader",
                "engine": "mysql",
                "read_url": my_scratch.reader_url,
                "write_url": my_scratch.writer_url,
            },
        ]
    }
    checks = {c["name"]: c for c in check_databases(workspace, config)}
    assert not checks["database pg-admin (read_url)"]["ok"]
    assert "superuser" in checks["database pg-admin (read_url)"]["detail"]
    assert not checks["database my-root (read_url)"]["ok"]
    assert [n for n, c in checks.items() if c["ok"]] == [
        "database pg-reader (read_url)",
        "database pg-reader (write_url)",
        "database my-reader (read_url)",
        "database my-reader (write_url)",
    ]
    workspace.engine.dispose()


# -- caps applied while fetching -----------------------------------------------------------------------
ENGINES = [
    pytest.param("sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mariadb),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_max_rows_stops_the_fetch_of_an_endless_result(engine, tmp_path, request):
    scratch = {"postgresql": "pg_scratch", "mysql": "my_scratch"}.get(engine)
    s = request.getfixturevalue(scratch) if scratch else None
    config = _target(engine, tmp_path, pg_scratch=s, my_scratch=s)
    answer = database.run_statement(config, INFINITE[engine], max_rows=1, timeout_ms=3000)
    assert answer["rows"] == [[1]]
    assert answer["truncated"] is True


@pytest.mark.parametrize("engine", ENGINES)
def test_a_result_larger_than_the_byte_cap_is_cut_while_fetching(engine, tmp_path, request):
    scratch = {"postgresql": "pg_scratch", "mysql": "my_scratch"}.get(engine)
    s = request.getfixturevalue(scratch) if scratch else None
    config = _target(engine, tmp_path, pg_scratch=s, my_scratch=s)
    answer = database.run_statement(config, WIDE[engine], max_rows=10_000, timeout_ms=10_000)
    assert answer["truncated"] is True
    assert 0 < answer["row_count"] <= database.MAX_RESULT_BYTES // 100_000


@pytest.mark.postgres
def test_the_time_limit_holds_while_rows_stream(pg_scratch):
    config = {"name": "app", "engine": "postgresql", "read_url": pg_scratch.reader_url}
    exc = _refused(config, "SELECT count(*) FROM generate_series(1, 10000000000)", timeout_ms=300)
    assert exc.code == "conflict"
    assert "time limit" in exc.message


# -- Plan Desk's own database ----------------------------------------------------------------------------
@pytest.mark.postgres
def test_the_postgresql_workspace_is_refused_under_another_spelling_of_its_url(pg_scratch):
    """The workspace database reached as localhost instead of 127.0.0.1, with extra parameters, by another role."""
    workspace = Database(PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_scratch.name}")
    own = database.workspace_identity(workspace)
    spelled = pg_url(
        pg_scratch.roles[0], pg_scratch.name, host="localhost", extra="?application_name=x&connect_timeout=3"
    )
    exc = _refused({"name": "ws", "engine": "postgresql", "read_url": spelled}, own=own)
    assert exc.code == "forbidden"
    assert exc.extra["reason"] == "own_database"
    other = {
        "name": "other",
        "engine": "postgresql",
        "read_url": pg_url(pg_scratch.roles[0], pg_scratch.name),
    }
    other_workspace = Database(PG_ADMIN)  # another database of the same cluster is not our own
    assert database.run_statement(other, "SELECT 1 AS one", own=database.workspace_identity(other_workspace))[
        "rows"
    ] == [[1]]
    workspace.engine.dispose()
    other_workspace.engine.dispose()


def test_the_sqlite_workspace_is_refused_through_a_hard_link(tmp_path):
    workspace = Database(f"sqlite:///{tmp_path}/data/workspace.db")
    with workspace.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE api_tokens (token_hash TEXT)")
        conn.commit()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.link(tmp_path / "data" / "workspace.db", elsewhere / "app.db")
    config = {"name": "app", "engine": "sqlite", "read_url": f"sqlite:///{elsewhere}/app.db"}
    exc = _refused(config, "SELECT token_hash FROM api_tokens", own=database.workspace_identity(workspace))
    assert exc.code == "forbidden"
    assert exc.extra["reason"] == "own_database"
    workspace.engine.dispose()


# -- rows a write sends back are capped while they arrive, and the write still completes --------------------
WRITE_BACK = {  # INSERT ... RETURNING of n rows of 100 kB each
    "postgresql": "INSERT INTO {t} SELECT g, repeat('x', 100000) FROM generate_series(1, {n}) g RETURNING a, b",
    "mysql": "INSERT INTO {t} SELECT seq, REPEAT('x', 100000) FROM seq_1_to_{n} RETURNING a, b",
    "sqlite": "INSERT INTO {t} WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < {n}) "
    "SELECT x, printf('%.*c', 100000, 'x') FROM r RETURNING a, b",
}


def _write_target(engine: str, s, tmp_path=None) -> tuple[dict, str, object]:
    """A table the writer may fill, and a function that counts its rows as the admin."""
    table = f"w_{uuid.uuid4().hex[:8]}"
    if engine == "sqlite":
        path = tmp_path / "project.db"
        with sqlite3.connect(path) as conn:
            conn.execute(f"CREATE TABLE {table} (a int, b text)")
        url = f"sqlite:///{path}"

        def count() -> int:
            with sqlite3.connect(path) as conn:
                return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        return {"name": "app", "engine": engine, "read_url": url, "write_url": url}, table, count
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(s.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE {table} (a int, b text)")

        def count() -> int:
            with psycopg.connect(s.admin_url, autocommit=True) as conn:
                return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    else:
        conn = my_admin(s.name)
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE {table} (a int, b longtext)")
        conn.close()

        def count() -> int:
            conn = my_admin(s.name)
            with conn.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM {table}")
                n = cur.fetchone()[0]
            conn.close()
            return n

    config = {"name": "app", "engine": engine, "read_url": s.reader_url, "write_url": s.writer_url}
    return config, table, count


@pytest.mark.parametrize("engine", ENGINES)
def test_a_write_returning_more_than_the_byte_cap_is_cut_and_still_completes(engine, request, tmp_path):
    scratch = {"postgresql": "pg_scratch", "mysql": "my_scratch"}.get(engine)
    s = request.getfixturevalue(scratch) if scratch else None
    config, table, count = _write_target(engine, s, tmp_path)
    sql = WRITE_BACK[engine].format(t=table, n=200)
    answer = database.run_statement(config, sql, write=True, max_rows=10_000, timeout_ms=30_000)
    assert answer["truncated"] is True
    assert 0 < answer["row_count"] <= database.MAX_RESULT_BYTES // 100_000
    assert answer["affected_rows"] == 200
    assert count() == 200  # the rows past the cap were dropped, not the write


@pytest.mark.postgres
def test_a_write_returning_a_huge_result_never_holds_it_in_memory(pg_scratch):
    """300 MB come back from the write; the driver hands them over a chunk at a time, so the process's peak
    memory grows by a fraction of that (buffering the result first would add all of it)."""
    import resource

    config, table, count = _write_target("postgresql", pg_scratch)
    sql = WRITE_BACK["postgresql"].format(t=table, n=3000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    answer = database.run_statement(config, sql, write=True, max_rows=10_000, timeout_ms=60_000)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert answer["affected_rows"] == 3000
    assert answer["truncated"] is True
    assert grown_mb < 150, grown_mb
    assert count() == 3000
