"""SQLite for the database tool: a read opens the file read-only (mode=ro, query_only, an authorizer), steps rows
lazily, and stops at the time limit through a progress handler. Plan Desk's own file is refused by inode."""

from __future__ import annotations

import os
import sqlite3
import time
from urllib.parse import quote, unquote, urlsplit

from plandesk.connector.database import (
    CONNECT_TIMEOUT_S,
    FETCH_BATCH,
    MAX_RESULT_BYTES,
    Limits,
    OwnDatabase,
    QueryFailed,
    collect,
)
from plandesk.core.errors import InvalidArgument, NotFound
from plandesk.core.own_database import file_identity

# Read-only pragmas that describe the schema; every other pragma, and any assignment, is refused.
SAFE_PRAGMAS = {
    "table_info",
    "table_xinfo",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "database_list",
    "collation_list",
    "table_list",
    "compile_options",
}
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, 33}  # 33: RECURSIVE
_FILE_FUNCTIONS = ("load_extension", "writefile", "readfile", "edit", "fts3_tokenizer")


def path_of(url: str) -> str:
    path = unquote(urlsplit(url).path)
    if url.startswith("sqlite:////"):
        path = "/" + url[len("sqlite:////") :].split("?", 1)[0]
    if not path.startswith("/"):
        raise InvalidArgument("the SQLite URL must name an absolute file", field="database")
    return path


def _read_authorizer(action, arg1, arg2, _db, _trigger):
    if action in _ALLOWED:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _FILE_FUNCTIONS:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in SAFE_PRAGMAS and arg2 is None:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _write_authorizer(action, arg1, arg2, _db, _trigger):
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _FILE_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _open(url: str, *, write: bool, own) -> sqlite3.Connection:
    path = path_of(url)
    if not os.path.isfile(path):
        raise NotFound("database file", path, field="database")
    if own is not None and file_identity(path) == own:
        raise OwnDatabase()
    try:
        if write:
            conn = sqlite3.connect(
                path, isolation_level=None, timeout=CONNECT_TIMEOUT_S, check_same_thread=False
            )
        else:
            # mode=ro: the engine itself refuses to write; query_only and the authorizer are further walls.
            conn = sqlite3.connect(
                f"file:{quote(path)}?mode=ro",
                uri=True,
                isolation_level=None,
                timeout=CONNECT_TIMEOUT_S,
                check_same_thread=False,
            )
    except sqlite3.Error as exc:
        raise QueryFailed(f"could not open the database: {exc}", field="database") from None
    # No single string or blob may outgrow what one answer may hold (randomblob(1e9) fails instead).
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_RESULT_BYTES)
    return conn


def vet(url: str, *, write: bool, own=None) -> str:
    conn = _open(url, write=write, own=own)
    conn.close()
    return "opens read-only" if not write else "opens for writing"


def _batches(cur):
    while batch := cur.fetchmany(FETCH_BATCH):
        yield batch


def run(url: str, sql: str, *, write: bool, limits: Limits, own=None) -> dict:
    conn = _open(url, write=write, own=own)
    deadline = limits.deadline
    try:
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
        if not write:
            conn.execute("PRAGMA query_only=1")
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        # The authorizer watches only the caller's statement; our own BEGIN and COMMIT stay outside it.
        conn.set_authorizer(_write_authorizer if write else _read_authorizer)
        cur = conn.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else None
        out = collect(columns, _batches(cur), limits)
        if write:
            out["affected_rows"] = max(cur.rowcount, 0) if cur.rowcount is not None else None
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
