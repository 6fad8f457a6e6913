"""The database tool: one statement per call; reads in a read-only transaction on the read URL, writes on the write URL."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import os
import sqlite3
import time
import uuid
from urllib.parse import quote, unquote, urlsplit

from plandesk.connector.sql_check import check_read, check_write
from plandesk.core.errors import Conflict, InvalidArgument, NotFound

DEFAULT_ROWS = 1000
MAX_ROWS = 10_000
DEFAULT_TIMEOUT_MS = 5000
MAX_TIMEOUT_MS = 60_000
CONNECT_TIMEOUT_S = 5
MAX_CELL_CHARS = 10_000
# Read-only pragmas that describe the schema; every other pragma, and any assignment, is refused.
SAFE_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
                "database_list", "collation_list", "table_list", "compile_options"}
_SQLITE_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, 33}  # 33: RECURSIVE


class QueryFailed(Conflict):
    """The database refused or failed the statement; its message is passed on."""


def find_database(config: dict, name) -> dict:
    if not isinstance(name, str) or not name:
        raise InvalidArgument("database must name one of the project's databases", field="database")
    for d in config.get("databases", []):
        if d["name"] == name:
            return d
    raise NotFound("database", name, field="database", available=[d["name"] for d in config.get("databases", [])])


def _json_value(v):
    if v is None or isinstance(v, (bool, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"base64": base64.b64encode(bytes(v)[:MAX_CELL_CHARS]).decode()}
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (decimal.Decimal, uuid.UUID, dt.timedelta)):
        return str(v)
    if isinstance(v, (dict, list)):
        return v
    text = v if isinstance(v, str) else str(v)
    return text[:MAX_CELL_CHARS]


def _limits(max_rows, timeout_ms) -> tuple[int, int]:
    rows = DEFAULT_ROWS if max_rows is None else max_rows
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
        raise InvalidArgument(f"max_rows must be from 1 to {MAX_ROWS}", field="max_rows")
    ms = DEFAULT_TIMEOUT_MS if timeout_ms is None else timeout_ms
    if isinstance(ms, bool) or not isinstance(ms, int) or not 100 <= ms <= MAX_TIMEOUT_MS:
        raise InvalidArgument(f"timeout_ms must be from 100 to {MAX_TIMEOUT_MS}", field="timeout_ms")
    return rows, ms


def _result(cursor, rows: int, started: float, *, write: bool) -> dict:
    out: dict = {"columns": [], "rows": [], "row_count": 0, "truncated": False}
    if cursor.description:
        out["columns"] = [d[0] for d in cursor.description]
        fetched = cursor.fetchmany(rows + 1)
        out["truncated"] = len(fetched) > rows
        out["rows"] = [[_json_value(v) for v in r] for r in fetched[:rows]]
        out["row_count"] = len(out["rows"])
    if write:
        out["affected_rows"] = max(cursor.rowcount, 0) if cursor.rowcount is not None else None
    out["duration_ms"] = int((time.monotonic() - started) * 1000)
    return out


def run_statement(database: dict, sql, *, write: bool = False, max_rows=None, timeout_ms=None) -> dict:
    rows, ms = _limits(max_rows, timeout_ms)
    engine = database["engine"]
    if write:
        url = database.get("write_url")
        if not url:
            raise InvalidArgument(f"database {database['name']!r} has no write URL; writes are not configured",
                                  field="write")
        check_write(sql, engine)
    else:
        url = database["read_url"]
        check_read(sql, engine)
    runner = {"sqlite": _sqlite, "postgresql": _postgresql, "mysql": _mysql}[engine]
    result = runner(url, sql, write=write, rows=rows, timeout_ms=ms)
    return {"database": database["name"], "engine": engine, "mode": "write" if write else "read", **result}


# -- SQLite ---------------------------------------------------------------------------------------------
def _sqlite_path(url: str) -> str:
    path = unquote(urlsplit(url).path)
    if url.startswith("sqlite:////"):
        path = "/" + url[len("sqlite:////"):].split("?", 1)[0]
    if not path.startswith("/"):
        raise InvalidArgument("the SQLite URL must name an absolute file", field="database")
    return path


def _read_authorizer(action, arg1, arg2, _db, _trigger):
    if action in _SQLITE_ALLOWED:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in ("load_extension", "writefile",
                                                                          "readfile", "edit", "fts3_tokenizer"):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in SAFE_PRAGMAS and arg2 is None:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _write_authorizer(action, arg1, arg2, _db, _trigger):
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in ("load_extension", "writefile", "readfile",
                                                                      "edit", "fts3_tokenizer"):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _sqlite(url: str, sql: str, *, write: bool, rows: int, timeout_ms: int) -> dict:
    path = _sqlite_path(url)
    if not os.path.isfile(path):
        raise NotFound("database file", path, field="database")
    started = time.monotonic()
    deadline = started + timeout_ms / 1000
    try:
        if write:
            conn = sqlite3.connect(path, isolation_level=None, timeout=CONNECT_TIMEOUT_S, check_same_thread=False)
        else:
            # mode=ro: the engine itself refuses to write; query_only and the authorizer are further walls.
            conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, isolation_level=None,
                                   timeout=CONNECT_TIMEOUT_S, check_same_thread=False)
    except sqlite3.Error as exc:
        raise QueryFailed(f"could not open the database: {exc}", field="database") from None
    try:
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
        if not write:
            conn.execute("PRAGMA query_only=1")
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        # The authorizer watches only the caller's statement; our own BEGIN and COMMIT stay outside it.
        conn.set_authorizer(_write_authorizer if write else _read_authorizer)
        cur = conn.execute(sql)
        out = _result(cur, rows, started, write=write)
        conn.set_authorizer(None)
        conn.execute("COMMIT" if write else "ROLLBACK")
        return out
    except sqlite3.Error as exc:
        message = "the statement ran past its time limit" if "interrupted" in str(exc) else str(exc)
        raise QueryFailed(f"the database refused the statement: {message}", field="sql") from None
    except (ValueError, OverflowError) as exc:  # e.g. "You can only execute one statement at a time."
        raise QueryFailed(f"the database refused the statement: {exc}", field="sql") from None
    finally:
        try:
            conn.set_authorizer(None)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        conn.close()


# -- PostgreSQL -----------------------------------------------------------------------------------------
def _postgresql(url: str, sql: str, *, write: bool, rows: int, timeout_ms: int) -> dict:
    import psycopg

    url = url.replace("postgresql+psycopg://", "postgresql://", 1).replace("postgres://", "postgresql://", 1)
    options = f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms} -c standard_conforming_strings=on"
    if not write:
        # Every transaction of this session starts read-only, so even a smuggled COMMIT lands in another one.
        options += " -c default_transaction_read_only=on"
    started = time.monotonic()
    try:
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=False, options=options,
                               application_name="plandesk-connector")
    except psycopg.Error as exc:
        raise QueryFailed(f"could not connect to the database: {str(exc).splitlines()[0]}", field="database") from None
    try:
        conn.read_only = not write
        cur = psycopg.RawCursor(conn)
        # prepare=True sends the text through the extended protocol, where the server itself refuses a
        # second statement ("cannot insert multiple commands into a prepared statement").
        cur.execute(sql, [], prepare=True)
        out = _result(cur, rows, started, write=write)
        if write:
            conn.commit()
        else:
            conn.rollback()
        return out
    except psycopg.Error as exc:
        raise QueryFailed(f"the database refused the statement: {str(exc).splitlines()[0]}", field="sql") from None
    finally:
        try:
            conn.rollback()
        except psycopg.Error:
            pass
        conn.close()


# -- MySQL / MariaDB ------------------------------------------------------------------------------------
def _mysql_params(url: str) -> dict:
    parts = urlsplit(url)
    return {"host": parts.hostname or "127.0.0.1", "port": parts.port or 3306,
            "user": unquote(parts.username or ""), "password": unquote(parts.password or ""),
            "database": unquote(parts.path.lstrip("/")) or None}


def _mysql(url: str, sql: str, *, write: bool, rows: int, timeout_ms: int) -> dict:
    import pymysql

    started = time.monotonic()
    try:
        # No CLIENT.MULTI_STATEMENTS flag (pymysql's default): the server itself refuses stacked statements.
        conn = pymysql.connect(**_mysql_params(url), connect_timeout=CONNECT_TIMEOUT_S, autocommit=False,
                               read_timeout=timeout_ms / 1000 + 5, write_timeout=timeout_ms / 1000 + 5,
                               local_infile=False, charset="utf8mb4")
    except pymysql.Error as exc:
        raise QueryFailed(f"could not connect to the database: {exc.args[-1] if exc.args else exc}",
                          field="database") from None
    try:
        cur = conn.cursor()
        cur.execute("SELECT @@SESSION.sql_mode")
        modes = [m for m in (cur.fetchone()[0] or "").split(",") if m and m not in ("NO_BACKSLASH_ESCAPES",
                                                                                     "ANSI_QUOTES", "ANSI")]
        # Our tokenizer reads strings with backslash escapes and "..." as strings; make the server agree.
        cur.execute("SET SESSION sql_mode = %s", (",".join(modes),))
        try:
            cur.execute("SET SESSION max_statement_time = %s", (timeout_ms / 1000,))  # MariaDB
        except pymysql.Error:
            cur.execute("SET SESSION max_execution_time = %s", (timeout_ms,))  # MySQL
        if write:
            cur.execute("START TRANSACTION")
        else:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            cur.execute("START TRANSACTION READ ONLY")
        cur.execute(sql)
        out = _result(cur, rows, started, write=write)
        if write:
            conn.commit()
        else:
            conn.rollback()
        return out
    except pymysql.Error as exc:
        raise QueryFailed(f"the database refused the statement: {exc.args[-1] if exc.args else exc}",
                          field="sql") from None
    finally:
        try:
            conn.rollback()
        except pymysql.Error:
            pass
        conn.close()
