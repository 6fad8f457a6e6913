"""Read-only SQL escapes on SQLite, PostgreSQL and MariaDB: stacked statements, COMMIT chains, comments, writing
CTEs, SELECT ... INTO, side-effecting functions. None writes: the target database is checked after each case.

Superuser and root read URLs are refused at every connection now (test_connector_sql_accounts.py), so the read
URL here is a SELECT-only account and the write URL a data-only one; PostgreSQL and MariaDB get a scratch
database and accounts per test run.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest

from plandesk.connector import database, database_mysql
from plandesk.core.errors import PlanDeskError

ORIGINAL = [(1, "original")]

COMMON = [
    ("commit_then_drop", "COMMIT; DROP TABLE canary"),
    ("rollback_then_delete", "ROLLBACK; DELETE FROM canary"),
    ("stacked_delete", "SELECT 1; DELETE FROM canary"),
    ("stacked_update_newline", "SELECT 1;\nUPDATE canary SET note = 'pwned'"),
    ("stacked_insert_no_space", "SELECT 1;INSERT INTO canary VALUES (2, 'pwned')"),
    ("stacked_mixed_case", "SeLeCt 1; dElEtE FrOm canary"),
    ("plain_delete", "DELETE FROM canary"),
    ("plain_update", "UPDATE canary SET note = 'pwned'"),
    ("plain_insert", "INSERT INTO canary VALUES (2, 'pwned')"),
    ("replace_into", "REPLACE INTO canary VALUES (1, 'pwned')"),
    ("drop_table", "DROP TABLE canary"),
    ("create_table", "CREATE TABLE evil (a INT)"),
    ("alter_table", "ALTER TABLE canary ADD COLUMN evil INT"),
    ("leading_comment_then_delete", "/* harmless */ DELETE FROM canary"),
    ("line_comment_hides_nothing", "SELECT 1 -- comment\n; DELETE FROM canary"),
    ("semicolon_in_block_comment_then_real_one", "SELECT 1 /* ; */ ; DELETE FROM canary"),
    ("semicolon_in_string_then_real_one", "SELECT ';' ; DELETE FROM canary"),
    ("backslash_quote_confusion", "SELECT '\\'; DELETE FROM canary; -- '"),
    ("fullwidth_semicolon", "SELECT 1\uff1b DELETE FROM canary"),
    ("select_into_table", "SELECT * INTO evil FROM canary"),
    ("set_transaction_read_write", "SET TRANSACTION READ WRITE"),
    ("begin_then_write", "BEGIN; DELETE FROM canary"),
    ("savepoint_release", "SAVEPOINT s; DELETE FROM canary"),
    ("cte_then_delete", "WITH x AS (SELECT 1) DELETE FROM canary"),
    ("trailing_statement_after_semicolons", "SELECT 1;;;DELETE FROM canary"),
    ("grant", "GRANT ALL ON canary TO PUBLIC"),
    ("truncate", "TRUNCATE TABLE canary"),
]
ENGINE_CASES = {
    "sqlite": [
        ("attach_new_file", "ATTACH DATABASE '{F}' AS evil"),
        ("vacuum_into", "VACUUM INTO '{F}'"),
        ("pragma_query_only_off", "PRAGMA query_only = 0"),
        ("pragma_writable_schema", "PRAGMA writable_schema = 1"),
        ("pragma_journal_mode", "PRAGMA journal_mode = DELETE"),
        ("load_extension", "SELECT load_extension('/tmp/evil.so')"),
        ("writefile", "SELECT writefile('{F}', 'x')"),
        ("insert_or_replace", "INSERT OR REPLACE INTO canary VALUES (1, 'pwned')"),
        ("upsert", "INSERT INTO canary VALUES (1, 'x') ON CONFLICT(id) DO UPDATE SET note = 'pwned'"),
        ("bracket_identifier_hides_nothing", "SELECT [a;b] FROM canary; DELETE FROM canary"),
        ("create_trigger", "CREATE TRIGGER t AFTER INSERT ON canary BEGIN DELETE FROM canary; END"),
        ("reindex", "REINDEX"),
    ],
    "postgresql": [
        ("end_then_delete", "END; DELETE FROM canary"),
        ("writing_cte", "WITH x AS (DELETE FROM canary RETURNING *) SELECT * FROM x"),
        ("writing_cte_update", "WITH x AS (UPDATE canary SET note = 'pwned' RETURNING *) SELECT 1"),
        ("explain_analyze_delete", "EXPLAIN ANALYZE DELETE FROM canary"),
        ("dollar_quote_then_delete", "SELECT $$;$$; DELETE FROM canary"),
        ("tagged_dollar_quote_then_delete", "SELECT $a$ ; $a$ ; DELETE FROM canary"),
        ("escape_string_confusion", "SELECT E'\\''; DELETE FROM canary; -- '"),
        ("nested_comment_then_delete", "SELECT /* a /* b */ ; */ 1; DELETE FROM canary"),
        ("copy_to_file", "COPY canary TO '{F}'"),
        ("copy_from_program", "COPY canary FROM PROGRAM 'touch {F}'"),
        ("lo_export", "SELECT lo_export(lo_from_bytea(0, 'x'), '{F}')"),
        ("lo_export_qualified", "SELECT pg_catalog.lo_export(lo_from_bytea(0, 'x'), '{F}')"),
        ("lo_export_quoted", "SELECT \"lo_export\"(lo_from_bytea(0, 'x'), '{F}')"),
        ("lo_import", "SELECT lo_import('/etc/hostname')"),
        ("pg_write_file", "SELECT pg_file_write('{F}', 'x', false)"),
        ("set_config_read_write", "SELECT set_config('default_transaction_read_only', 'off', false)"),
        ("nextval", "SELECT nextval('canary_seq')"),
        ("query_to_xml_delete", "SELECT query_to_xml('DELETE FROM canary RETURNING 1', true, true, '')"),
        ("dblink_exec", "SELECT dblink_exec('dbname=test', 'DELETE FROM canary')"),
        ("do_block", "DO $$BEGIN DELETE FROM canary; END$$"),
        ("lock_table", "LOCK TABLE canary IN ACCESS EXCLUSIVE MODE"),
        ("session_read_write", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"),
        ("prepare_execute", "PREPARE p AS DELETE FROM canary; EXECUTE p"),
        (
            "on_conflict_update",
            "INSERT INTO canary VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET note = 'pwned'",
        ),
        ("notify", "NOTIFY plandesk_events, 'x'"),
    ],
    "mysql": [
        ("into_outfile", "SELECT * FROM canary INTO OUTFILE '{F}'"),
        ("into_outfile_first", "SELECT * INTO OUTFILE '{F}' FROM canary"),
        ("into_dumpfile", "SELECT note INTO DUMPFILE '{F}' FROM canary"),
        ("into_variable", "SELECT note INTO @x FROM canary"),
        ("executable_comment", "/*!50000 DELETE FROM canary */"),
        ("executable_comment_after_select", "SELECT 1 /*! ; DELETE FROM canary */"),
        ("mariadb_executable_comment", "SELECT 1 /*M! ; DELETE FROM canary */"),
        ("dash_dash_without_space", "SELECT 1 --x; DELETE FROM canary"),
        ("hash_comment_then_delete", "SELECT 1 # c\n; DELETE FROM canary"),
        ("double_quoted_backslash", 'SELECT "\\"; DELETE FROM canary; -- "'),
        ("backtick_identifier_hides_nothing", "SELECT `a;b` FROM canary; DELETE FROM canary"),
        ("analyze_delete", "ANALYZE DELETE FROM canary"),
        ("lock_tables", "LOCK TABLES canary WRITE"),
        ("session_read_write", "SET SESSION TRANSACTION READ WRITE"),
        ("start_transaction_write", "START TRANSACTION READ WRITE; DELETE FROM canary"),
        ("load_data", "LOAD DATA INFILE '{F}' INTO TABLE canary"),
        ("handler_open", "HANDLER canary OPEN"),
        ("prepare_from", "PREPARE s FROM 'DELETE FROM canary'"),
        ("do_sleep", "DO SLEEP(0)"),
        ("get_lock", "SELECT GET_LOCK('pd', 1)"),
        ("call_procedure", "CALL evil_proc()"),
        ("insert_on_duplicate", "INSERT INTO canary VALUES (1, 'x') ON DUPLICATE KEY UPDATE note = 'pwned'"),
    ],
}


# -- the three databases ------------------------------------------------------------------------------
class Target:
    """One engine's scratch database: reset before a case, inspected after it."""

    def __init__(
        self,
        engine: str,
        url: str,
        path: Path | None = None,
        *,
        admin_url: str | None = None,
        writer_url: str | None = None,
    ):
        self.engine, self.url, self.path = engine, url, path
        self.admin_url, self.writer_url = admin_url or url, writer_url or url

    def _run(self, statements: list[str], fetch: str | None = None):
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.path)
            try:
                for st in statements:
                    conn.execute(st)
                conn.commit()
                return conn.execute(fetch).fetchall() if fetch else None
            finally:
                conn.close()
        if self.engine == "postgresql":
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                for st in statements:
                    conn.execute(st)
                return [tuple(r) for r in conn.execute(fetch).fetchall()] if fetch else None
        import pymysql

        params = database_mysql.params(self.admin_url)
        conn = pymysql.connect(**params, autocommit=True)
        try:
            with conn.cursor() as cur:
                for st in statements:
                    cur.execute(st)
                if fetch:
                    cur.execute(fetch)
                    return [tuple(r) for r in cur.fetchall()]
        finally:
            conn.close()

    def reset(self) -> None:
        drop = ["DROP TABLE IF EXISTS evil", "DROP TABLE IF EXISTS canary"]
        create = [
            "CREATE TABLE canary (id INTEGER PRIMARY KEY, note VARCHAR(100))",
            "INSERT INTO canary VALUES (1, 'original')",
        ]
        extra = ["CREATE SEQUENCE IF NOT EXISTS canary_seq"] if self.engine == "postgresql" else []
        self._run(drop + create + extra)

    def state(self) -> tuple:
        rows = self._run([], "SELECT id, note FROM canary ORDER BY id")
        tables = {
            "sqlite": "SELECT name FROM sqlite_master ORDER BY name",
            "postgresql": "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "ORDER BY relname",
            "mysql": "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
            "ORDER BY table_name",
        }[self.engine]
        extra = []
        if self.engine == "postgresql":
            extra = self._run([], "SELECT last_value, is_called FROM canary_seq")
            extra += self._run([], "SELECT count(*) FROM pg_largeobject_metadata")
        return rows, self._run([], tables), extra


@pytest.fixture
def target(request, tmp_path):
    engine = request.param
    if engine == "sqlite":
        path = tmp_path / "project.db"
        t = Target("sqlite", f"sqlite:///{path}", path)
    else:
        s = request.getfixturevalue("pg_scratch" if engine == "postgresql" else "my_scratch")
        t = Target(engine, s.reader_url, admin_url=s.admin_url, writer_url=s.writer_url)
    t.reset()
    yield t


CASES = [
    (engine, name, sql)
    for engine in ("sqlite", "postgresql", "mysql")
    for name, sql in COMMON + ENGINE_CASES[engine]
]


@pytest.mark.parametrize(
    "target,case,sql",
    [
        pytest.param(
            e,
            n,
            s,
            id=f"{e}-{n}",
            marks=[pytest.mark.mariadb]
            if e == "mysql"
            else [pytest.mark.postgres]
            if e == "postgresql"
            else [],
        )
        for e, n, s in CASES
    ],
    indirect=["target"],
)
def test_a_read_never_writes(target: Target, case: str, sql: str):
    canary = f"/tmp/pd-sql-canary-{uuid.uuid4().hex}"  # a file the database server would write
    sql = sql.replace("{F}", canary)
    before = target.state()
    assert before[0] == ORIGINAL
    config = {"name": "app", "engine": target.engine, "read_url": target.url, "write_url": None}
    try:
        answer = database.run_statement(config, sql, timeout_ms=3000)
    except PlanDeskError as exc:
        assert exc.code in ("invalid_argument", "conflict"), exc.code
        answer = exc.as_dict()
    written = os.path.exists(canary)
    if written:
        os.unlink(canary)
    assert not written, f"{target.engine}/{case} wrote a file on the server"
    assert "pwned" not in repr(answer)
    assert target.state() == before, f"{target.engine}/{case} changed the database"


ENGINES = [
    pytest.param("sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mariadb),
]


@pytest.mark.parametrize("target", ENGINES, indirect=True)
def test_a_read_returns_rows_under_a_cap(target: Target):
    config = {"name": "app", "engine": target.engine, "read_url": target.url}
    target._run([f"INSERT INTO canary VALUES ({i}, 'row {i}')" for i in range(2, 30)])
    answer = database.run_statement(config, "SELECT id, note FROM canary ORDER BY id", max_rows=10)
    assert answer["columns"] == ["id", "note"]
    assert answer["row_count"] == 10
    assert answer["truncated"] is True
    assert answer["rows"][0] == [1, "original"]
    assert answer["mode"] == "read"


@pytest.mark.parametrize("target", ENGINES, indirect=True)
def test_a_read_running_past_its_time_limit_is_stopped(target: Target):
    config = {"name": "app", "engine": target.engine, "read_url": target.url}
    slow = {
        "sqlite": "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r",
        "postgresql": "SELECT count(*) FROM generate_series(1, 1000000000)",
        "mysql": "SELECT count(*) FROM information_schema.columns a, information_schema.columns b, "
        "information_schema.columns c",
    }[target.engine]
    with pytest.raises(PlanDeskError) as caught:
        database.run_statement(config, slow, timeout_ms=300)
    assert caught.value.code == "conflict"


@pytest.mark.parametrize("target", ENGINES, indirect=True)
def test_a_write_runs_only_on_the_write_url(target: Target):
    config = {"name": "app", "engine": target.engine, "read_url": target.url, "write_url": None}
    with pytest.raises(PlanDeskError) as caught:
        database.run_statement(config, "UPDATE canary SET note = 'changed'", write=True)
    assert "no write URL" in caught.value.message
    config["write_url"] = target.writer_url
    answer = database.run_statement(config, "UPDATE canary SET note = 'changed'", write=True)
    assert answer["affected_rows"] == 1
    assert answer["mode"] == "write"
    assert target.state()[0] == [(1, "changed")]


@pytest.mark.parametrize("target", ENGINES, indirect=True)
def test_a_write_is_still_one_statement(target: Target):
    config = {"name": "app", "engine": target.engine, "read_url": target.url, "write_url": target.writer_url}
    with pytest.raises(PlanDeskError) as caught:
        database.run_statement(config, "UPDATE canary SET note = 'a'; DROP TABLE canary", write=True)
    assert "one statement" in caught.value.message
    assert target.state()[0] == ORIGINAL
