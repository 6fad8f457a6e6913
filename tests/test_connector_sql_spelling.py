"""Read-only SQL against spelling attacks: 50+ cases per backend that hide a file read, a file write, a lock, a
signal or a second statement behind the way each server reads names, quotes, escapes and comments.

PostgreSQL and MariaDB cases must be refused by the statement checker itself (invalid_argument), before the
database sees them: the accounts here are least-privilege, so the database would refuse most of them too, and
the point is that the second wall holds on its own. SQLite's first wall is the engine (mode=ro, the authorizer),
so there a refusal by either counts. Every case also checks that nothing was written and no file was read.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import uuid

import pytest
from sql_fixtures import drop_my_scratch, drop_pg_scratch, make_my_scratch, make_pg_scratch, my_admin

from plandesk.connector import database
from plandesk.core.errors import PlanDeskError

NB = "\u00a0"  # a non-breaking space: MariaDB reads it as part of a name, not as whitespace
PG_CASES = [
    ("u_escape_read_file", "SELECT U&\"\\0070g_read_file\"('{S}')"),
    ("u_escape_uescape", "SELECT U&\"!0070g_read_file\" UESCAPE '!'('{S}')"),
    ("u_escape_uescape_after_comment", "SELECT U&\"\\0070g_read_file\" /* c */ UESCAPE '\\'('{S}')"),
    ("u_escape_lowercase_u", "SELECT u&\"\\0070g_ls_dir\"('.')"),
    ("u_escape_six_digits", "SELECT U&\"\\+000070g_read_binary_file\"('{S}')"),
    ("u_escape_query_to_xml", "SELECT U&\"query\\005Fto\\005Fxml\"('select 1', true, true, '')"),
    ("u_escape_set_config", "SELECT U&\"set\\005Fconfig\"('default_transaction_read_only', 'off', false)"),
    ("u_escape_terminate_backend", 'SELECT U&"pg\\005Fterminate\\005Fbackend"(0)'),
    ("u_escape_cancel_backend", 'SELECT U&"\\0070g_cancel_backend"(0)'),
    ("u_escape_lo_export", "SELECT U&\"\\006Co_export\"(0, '{F}')"),
    ("u_escape_lo_import", "SELECT U&\"lo\\005Fimport\"('{S}')"),
    ("u_escape_qualified", 'SELECT "pg_catalog".U&"\\0070g_read_file"(\'{S}\')'),
    ("u_escape_in_subquery", "SELECT (SELECT U&\"\\0070g_read_file\"('{S}'))"),
    ("u_escape_after_surrogate_pair", 'SELECT U&"\\D83D\\DE00", U&"\\0070g_ls_dir"(\'.\')'),
    ("u_escape_advisory_unlock", 'SELECT U&"pg_advisory_unlock_all"()'),
    ("u_escape_dblink_exec", "SELECT U&\"dblink\\005Fexec\"('dbname=test', 'DELETE FROM canary')"),
    ("u_string_hides_quote", "SELECT U&'\\0027', pg_ls_dir('.')"),
    ("quoted_name", "SELECT \"pg_read_file\"('{S}')"),
    ("quoted_qualified", "SELECT pg_catalog.\"pg_read_file\"('{S}')"),
    ("spaced_qualified", "SELECT pg_catalog . pg_read_file ('{S}')"),
    ("upper_case", "SELECT PG_READ_FILE('{S}')"),
    ("comment_before_paren", "SELECT pg_read_file/**/('{S}')"),
    ("nested_comment_before_paren", "SELECT pg_read_file/* a /* b */ c */('{S}')"),
    ("line_comment_before_paren", "SELECT pg_read_file -- c\n('{S}')"),
    ("comment_ended_by_cr", "SELECT 1 -- c\r, pg_read_file('{S}')"),
    ("nested_comment_semicolon", "SELECT 1 /* a /* b */ ; */, pg_ls_dir('.')"),
    ("dollar_string_then_call", "SELECT $$x$$, pg_read_file('{S}')"),
    ("tagged_dollar_non_ascii", "SELECT $\u00e9$ ; $\u00e9$, pg_ls_dir('.')"),
    ("escape_string_quote", "SELECT E'\\'', pg_read_file('{S}')"),
    ("stat_reset", "SELECT pg_stat_reset()"),
    ("stat_reset_shared", "SELECT pg_stat_reset_shared('bgwriter')"),
    ("advisory_lock", "SELECT pg_advisory_lock(1)"),
    ("try_advisory_lock", "SELECT pg_try_advisory_lock(1)"),
    ("advisory_xact_lock_shared", "SELECT pg_advisory_xact_lock_shared(1)"),
    ("query_to_xml_and_schema", "SELECT query_to_xml_and_xmlschema('select 1', true, true, '')"),
    ("cursor_to_xml", "SELECT cursor_to_xml('c', 1, true, true, '')"),
    ("ts_stat_runs_a_query", "SELECT ts_stat('select to_tsvector(''a'')')"),
    ("ts_rewrite_runs_a_query", "SELECT ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery')"),
    ("dblink", "SELECT dblink('dbname=test', 'select 1')"),
    ("sleep", "SELECT pg_sleep(0)"),
    ("sleep_for", "SELECT pg_sleep_for('0 seconds')"),
    ("lo_from_bytea", "SELECT lo_from_bytea(0, 'x')"),
    ("ls_logdir", "SELECT pg_ls_logdir()"),
    ("ls_waldir", "SELECT pg_ls_waldir()"),
    ("stat_file", "SELECT pg_stat_file('{S}')"),
    ("setval_u_string", "SELECT setval(U&'canary_seq', 5)"),
    ("set_config_timeout", "SELECT set_config('statement_timeout', '0', false)"),
    ("reload_conf", "SELECT pg_reload_conf()"),
    ("logical_message", "SELECT pg_logical_emit_message(true, 'p', 'x')"),
    ("read_file_in_from", "SELECT * FROM pg_read_file('{S}') AS t"),
    ("rows_from_ls_dir", "SELECT * FROM ROWS FROM (pg_ls_dir('.'))"),
    ("read_file_in_cte", "WITH x AS (SELECT pg_read_file('{S}')) SELECT * FROM x"),
    ("explain_analyze_read_file", "EXPLAIN ANALYZE SELECT pg_read_file('{S}')"),
    ("values_read_file", "VALUES (pg_read_file('{S}'))"),
    ("copy_lower_case_program", "copy canary to program 'touch {F}'"),
    ("copy_query_to_file", "COPY (SELECT 1) TO '{F}'"),
]
MY_CASES = [
    ("nbsp_dashes_load_file", f"SELECT 0 --{NB}, LOAD_FILE('{{S}}') FROM (SELECT 1 AS {NB}) t"),
    ("nbsp_dashes_outfile", f"SELECT 0 --{NB}, 1 INTO OUTFILE '{{F}}' FROM (SELECT 1 AS {NB}) t"),
    ("nbsp_dashes_dumpfile", f"SELECT 0 --{NB}, 1 INTO DUMPFILE '{{F}}' FROM (SELECT 1 AS {NB}) t"),
    ("nbsp_dashes_into_variable", f"SELECT 0 --{NB} INTO @x FROM (SELECT 1 AS {NB}) t"),
    ("nbsp_dashes_sleep", f"SELECT 0 --{NB}, SLEEP(0) FROM (SELECT 1 AS {NB}) t"),
    ("nbsp_dashes_get_lock", f"SELECT 0 --{NB}, GET_LOCK('pd', 0) FROM (SELECT 1 AS {NB}) t"),
    ("nbsp_dashes_benchmark", f"SELECT 0 --{NB}, BENCHMARK(1, 1) FROM (SELECT 1 AS {NB}) t"),
    ("nbsp_dashes_then_statement", f"SELECT 0 --{NB}; DELETE FROM canary"),
    ("em_space_dashes_load_file", "SELECT 0 --\u2003, LOAD_FILE('{S}') FROM (SELECT 1 AS \u2003) t"),
    ("ideographic_space_dashes", "SELECT 0 --\u3000, LOAD_FILE('{S}') FROM (SELECT 1 AS \u3000) t"),
    ("dashes_glued_to_name", "SELECT 1 --x, LOAD_FILE('{S}')"),
    ("executable_comment_load_file", "SELECT 1 /*!, LOAD_FILE('{S}') */"),
    ("versioned_comment_load_file", "SELECT 1 /*!50000, LOAD_FILE('{S}') */"),
    ("mariadb_comment_load_file", "SELECT 1 /*M!100000, LOAD_FILE('{S}') */"),
    ("executable_comment_outfile", "SELECT 1 /*!INTO OUTFILE '{F}' */"),
    ("executable_comment_statement", "SELECT 1 /*!50000 ; DELETE FROM canary */"),
    ("executable_select_keyword", "/*!SELECT*/ LOAD_FILE('{S}')"),
    ("future_version_then_call", "SELECT 1 /*!99999 , 2 */, LOAD_FILE('{S}')"),
    ("backtick_name", "SELECT `LOAD_FILE`('{S}')"),
    ("lower_case", "SELECT load_file('{S}')"),
    ("mixed_case", "SELECT LoAd_FiLe('{S}')"),
    ("comment_before_paren", "SELECT LOAD_FILE/**/('{S}')"),
    ("line_comment_before_paren", "SELECT LOAD_FILE -- c\n('{S}')"),
    ("hash_comment_before_paren", "SELECT LOAD_FILE # c\n('{S}')"),
    ("tab_before_paren", "SELECT LOAD_FILE\t('{S}')"),
    ("hash_comment_then_call", "SELECT 1 #\n, LOAD_FILE('{S}')"),
    ("backslash_single_quote", "SELECT 'a\\'', LOAD_FILE('{S}') -- '"),
    ("backslash_double_quote", 'SELECT "a\\"", LOAD_FILE(\'{S}\') -- "'),
    ("national_string", "SELECT N'a', LOAD_FILE('{S}')"),
    ("introducer_string", "SELECT _utf8mb4'a', LOAD_FILE('{S}')"),
    ("hex_path", "SELECT LOAD_FILE(0x2f6574632f686f73746e616d65)"),
    ("concat_path", "SELECT LOAD_FILE(CONCAT('/etc/', 'hostname'))"),
    ("subquery", "SELECT (SELECT LOAD_FILE('{S}'))"),
    ("cte", "WITH x AS (SELECT LOAD_FILE('{S}') AS f) SELECT f FROM x"),
    ("union", "SELECT 1 UNION SELECT LOAD_FILE('{S}')"),
    ("explain", "EXPLAIN SELECT LOAD_FILE('{S}')"),
    ("do_statement", "DO LOAD_FILE('{S}')"),
    ("sleep", "SELECT SLEEP(0)"),
    ("benchmark", "SELECT BENCHMARK(1, 1)"),
    ("get_lock", "SELECT GET_LOCK('pd', 0)"),
    ("release_all_locks", "SELECT RELEASE_ALL_LOCKS()"),
    ("master_pos_wait", "SELECT MASTER_POS_WAIT('x', 1, 0)"),
    ("master_gtid_wait", "SELECT MASTER_GTID_WAIT('0-1-1', 0)"),
    ("nextval", "SELECT NEXTVAL(s)"),
    ("setval", "SELECT SETVAL(s, 1)"),
    ("sys_exec", "SELECT sys_exec('touch {F}')"),
    ("into_outfile", "SELECT * FROM canary INTO OUTFILE '{F}'"),
    ("into_variable", "SELECT * FROM canary INTO @x"),
    ("lock_in_share_mode", "SELECT * FROM canary LOCK IN SHARE MODE"),
    ("for_update", "SELECT * FROM canary FOR UPDATE"),
    ("show_then_statement", "SHOW TABLES; DELETE FROM canary"),
]
SQLITE_CASES = [
    ("load_extension", "SELECT load_extension('/tmp/pd-none.so')"),
    ("load_extension_quoted", "SELECT \"load_extension\"('/tmp/pd-none.so')"),
    ("load_extension_bracketed", "SELECT [load_extension]('/tmp/pd-none.so')"),
    ("load_extension_backticked", "SELECT `load_extension`('/tmp/pd-none.so')"),
    ("load_extension_upper", "SELECT LOAD_EXTENSION('/tmp/pd-none.so')"),
    ("load_extension_comment", "SELECT load_extension/**/('/tmp/pd-none.so')"),
    ("load_extension_line_comment", "SELECT load_extension -- c\n('/tmp/pd-none.so')"),
    ("load_extension_char_path", "SELECT load_extension(char(47, 116, 109, 112, 47, 120))"),
    ("writefile", "SELECT writefile('{F}', 'x')"),
    ("writefile_in_explain", "EXPLAIN SELECT writefile('{F}', 'x')"),
    ("readfile", "SELECT readfile('{S}')"),
    ("readfile_subquery", "SELECT (SELECT readfile('{S}'))"),
    ("edit", "SELECT edit('x')"),
    ("fts3_tokenizer", "SELECT fts3_tokenizer('simple')"),
    ("zipfile", "SELECT * FROM zipfile('/tmp/pd-none.zip')"),
    ("attach", "ATTACH '{F}' AS x"),
    ("attach_lower", "attach database '{F}' as x"),
    ("attach_stacked", "SELECT 1; ATTACH '{F}' AS x"),
    ("attach_after_comment_semicolon", "SELECT 1 /* ; */ ; ATTACH '{F}' AS x"),
    ("detach_main", "DETACH DATABASE main"),
    ("vacuum_into", "VACUUM INTO '{F}'"),
    ("pragma_query_only_off", "PRAGMA query_only = 0"),
    ("pragma_query_only_word", "PRAGMA query_only=OFF"),
    ("pragma_writable_schema", "pragma writable_schema = 1"),
    ("pragma_schema_journal_mode", "PRAGMA main.journal_mode = DELETE"),
    ("pragma_temp_store_directory", "PRAGMA temp_store_directory = '/tmp'"),
    ("pragma_foreign_keys_off", "PRAGMA foreign_keys = 0"),
    ("pragma_wal_checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)"),
    ("pragma_optimize", "PRAGMA optimize"),
    ("pragma_incremental_vacuum", "PRAGMA incremental_vacuum"),
    ("pragma_function_journal_mode", "SELECT * FROM pragma_journal_mode('delete')"),
    ("line_comment_then_statement", "SELECT 1 -- \n; DELETE FROM canary"),
    ("backslash_is_not_an_escape", "SELECT '\\'; DELETE FROM canary; --'"),
    ("bracket_name_then_statement", "SELECT [a;b]; DELETE FROM canary"),
    ("doubled_quote_then_statement", 'SELECT "a""b"; DELETE FROM canary'),
    ("form_feed_then_statement", "SELECT 1\x0c; DELETE FROM canary"),
    ("cte_delete", "WITH x AS (SELECT 1) DELETE FROM canary"),
    ("cte_insert", "WITH x AS (SELECT 1) INSERT INTO canary VALUES (5, 'pwned')"),
    ("cte_update", "WITH x AS (SELECT 1) UPDATE canary SET note = 'pwned'"),
    ("replace_into", "REPLACE INTO canary VALUES (1, 'pwned')"),
    ("insert_or_replace", "INSERT OR REPLACE INTO canary VALUES (1, 'pwned')"),
    ("select_then_drop", "SELECT * FROM canary; DROP TABLE canary"),
    ("temp_table", "CREATE TEMP TABLE t (a)"),
    ("temp_trigger", "CREATE TEMP TRIGGER t AFTER INSERT ON canary BEGIN DELETE FROM canary; END"),
    ("create_view", "CREATE VIEW v AS SELECT 1"),
    ("analyze", "ANALYZE"),
    ("reindex", "REINDEX"),
    ("savepoint", "SAVEPOINT a"),
    ("begin_immediate", "BEGIN IMMEDIATE"),
    ("commit", "COMMIT"),
    ("end", "END"),
]
CASES = {"sqlite": SQLITE_CASES, "postgresql": PG_CASES, "mysql": MY_CASES}


@pytest.fixture(scope="module")
def secret_file():
    """A file every database server could read; its content must never come back."""
    path = f"/tmp/pd-sql-secret-{uuid.uuid4().hex}"
    token = secrets.token_hex(16)
    with open(path, "w") as f:
        f.write(token)
    os.chmod(path, 0o644)
    yield path, token
    os.unlink(path)


@pytest.fixture(scope="module")
def scratch(request):
    engine = request.param
    if engine == "postgresql":
        s = make_pg_scratch()
        import psycopg

        with psycopg.connect(s.admin_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE canary (id INTEGER PRIMARY KEY, note VARCHAR(100))")
            conn.execute("INSERT INTO canary VALUES (1, 'original')")
            conn.execute("CREATE SEQUENCE canary_seq")
        yield s
        drop_pg_scratch(s)
    else:
        s = make_my_scratch()
        conn = my_admin(s.name)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE canary (id INTEGER PRIMARY KEY, note VARCHAR(100))")
            cur.execute("INSERT INTO canary VALUES (1, 'original')")
            cur.execute("CREATE SEQUENCE s")
        conn.close()
        yield s
        drop_my_scratch(s)


def _state(engine: str, admin_url: str):
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            rows = conn.execute("SELECT id, note FROM canary ORDER BY id").fetchall()
            seq = conn.execute("SELECT last_value, is_called FROM canary_seq").fetchall()
            objs = conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchall()
        return [tuple(r) for r in rows], seq, objs
    conn = my_admin(admin_url.rsplit("/", 1)[1])
    with conn.cursor() as cur:
        cur.execute("SELECT id, note FROM canary ORDER BY id")
        rows = cur.fetchall()
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
            "ORDER BY table_name"
        )
        tables = cur.fetchall()
    conn.close()
    return [tuple(r) for r in rows], tables


def _attempt(config: dict, sql: str):
    try:
        return database.run_statement(config, sql, timeout_ms=3000), None
    except PlanDeskError as exc:
        return exc.as_dict(), exc


def _no_trace(answer, canary: str, token: str, label: str) -> None:
    written = os.path.exists(canary)
    if written:
        os.unlink(canary)
    assert not written, f"{label} wrote a file"
    assert token not in repr(answer), f"{label} read the secret file"
    assert "pwned" not in repr(answer)


def _cases(engine: str, mark):
    return [pytest.param(engine, name, sql, id=f"{engine}-{name}", marks=mark) for name, sql in CASES[engine]]


@pytest.mark.parametrize(
    "scratch,case,sql",
    _cases("postgresql", pytest.mark.postgres) + _cases("mysql", pytest.mark.mariadb),
    indirect=["scratch"],
)
def test_the_checker_refuses_a_spelled_out_escape(scratch, case: str, sql: str, secret_file):
    path, token = secret_file
    canary = f"/tmp/pd-sql-canary-{uuid.uuid4().hex}"
    sql = sql.replace("{S}", path).replace("{F}", canary)
    before = _state(scratch.engine, scratch.admin_url)
    config = {"name": "app", "engine": scratch.engine, "read_url": scratch.reader_url}
    answer, exc = _attempt(config, sql)
    _no_trace(answer, canary, token, f"{scratch.engine}/{case}")
    assert exc is not None, f"{scratch.engine}/{case} got past the statement checker: {answer}"
    assert exc.code == "invalid_argument", f"{scratch.engine}/{case} got past the statement checker: {answer}"
    assert _state(scratch.engine, scratch.admin_url) == before


@pytest.mark.parametrize("case,sql", [pytest.param(n, s, id=f"sqlite-{n}") for n, s in SQLITE_CASES])
def test_sqlite_refuses_a_spelled_out_escape(tmp_path, case: str, sql: str, secret_file):
    path, token = secret_file
    db = tmp_path / "project.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE canary (id INTEGER PRIMARY KEY, note VARCHAR(100))")
        conn.execute("INSERT INTO canary VALUES (1, 'original')")
    conn.close()
    before = db.read_bytes()
    canary = f"/tmp/pd-sql-canary-{uuid.uuid4().hex}"
    sql = sql.replace("{S}", path).replace("{F}", canary)
    answer, exc = _attempt({"name": "app", "engine": "sqlite", "read_url": f"sqlite:///{db}"}, sql)
    _no_trace(answer, canary, token, f"sqlite/{case}")
    assert exc is not None, f"sqlite/{case} ran: {answer}"
    assert exc.code in ("invalid_argument", "conflict"), f"sqlite/{case} ran: {answer}"
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.db"]


def test_there_are_fifty_cases_per_backend():
    assert {engine: len(cases) >= 50 for engine, cases in CASES.items()} == dict.fromkeys(CASES, True)
