"""Reading a SQL text the way its engine will: one statement only, and for reads no write keyword or risky function.

This is the second wall. The first is the database itself: a read-only transaction, a statement time limit, and
an account checked at every connection for the rights to read server files, run programs or write. The tokens
come from sql_tokens, which reads quoting, escapes and comments the way each server's lexer does, so a name
spelled with U& escapes or hidden behind a comment the server does not treat as one is still seen.
"""

from __future__ import annotations

import itertools

from plandesk.connector.sql_tokens import SqlRefused, Token, tokenize
from plandesk.core.errors import InvalidArgument

__all__ = ["SqlRefused", "Token", "check_read", "check_write", "single_statement", "tokenize"]

MAX_SQL = 100_000

READ_STARTS = {
    "sqlite": {"SELECT", "WITH", "VALUES", "EXPLAIN", "PRAGMA"},
    "postgresql": {"SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN", "SHOW"},
    "mysql": {"SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN", "SHOW", "DESCRIBE", "DESC"},
}
# The tool opens and ends the transaction itself; a statement may not.
TRANSACTION_CONTROL = {"COMMIT", "ROLLBACK", "BEGIN", "START", "SAVEPOINT", "RELEASE"}
# Words that only a writing or session-changing statement needs. Quoted identifiers are not words, so a
# column really called "update" still works when quoted.
WRITE_WORDS = TRANSACTION_CONTROL | {
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "REPLACE",
    "UPSERT",
    "CREATE",
    "DROP",
    "ALTER",
    "TRUNCATE",
    "RENAME",
    "GRANT",
    "REVOKE",
    "COPY",
    "INTO",
    "OUTFILE",
    "DUMPFILE",
    "LOCK",
    "UNLOCK",
    "CALL",
    "DO",
    "EXEC",
    "EXECUTE",
    "ATTACH",
    "DETACH",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "ANALYSE",
    "CLUSTER",
    "SET",
    "RESET",
    "LOAD",
    "HANDLER",
    "PREPARE",
    "DEALLOCATE",
    "LISTEN",
    "NOTIFY",
    "UNLISTEN",
    "DISCARD",
    "REFRESH",
    "IMPORT",
    "FLUSH",
    "KILL",
    "SHUTDOWN",
    "INSTALL",
    "UNINSTALL",
    "OPTIMIZE",
    "REPAIR",
    "CHECKPOINT",
    "SECURITY",
    "COMMENT",
    "PURGE",
    "RESIGNAL",
    "SIGNAL",
    "XA",
    "ABORT",
    "SHARE",  # SELECT ... FOR SHARE takes row locks that hold writers up
}
# Functions that read files, run other SQL text, signal other sessions, hold locks or change server state, even
# inside a read-only transaction. Compared with the name as the server looks it up (quotes, U& escapes undone).
RISKY_FUNCTIONS = {
    # PostgreSQL
    "pg_read_file",
    "pg_read_binary_file",
    "pg_stat_file",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_promote",
    "pg_switch_wal",
    "set_config",
    "nextval",
    "setval",
    "pg_notify",
    "pg_current_xact_id",
    "txid_current",
    "ts_stat",
    "ts_rewrite",
    "lowrite",
    "loread",
    "pg_current_logfile",
    "pg_prewarm",
    # MariaDB / MySQL
    "load_file",
    "sys_exec",
    "sys_eval",
    "get_lock",
    "release_lock",
    "release_all_locks",
    "is_free_lock",
    "is_used_lock",
    "master_pos_wait",
    "master_gtid_wait",
    "source_pos_wait",
    "benchmark",
    "sleep",
    "lastval",
    # SQLite (its authorizer refuses these too)
    "load_extension",
    "writefile",
    "readfile",
    "edit",
    "fts3_tokenizer",
    "zipfile",
}
RISKY_PREFIXES = (
    "dblink",
    "pg_file_",
    "pg_write",
    "lo_",
    "pg_create_",
    "pg_drop_",
    "pg_replication_",
    "pg_backup_",
    "pg_start_",
    "pg_stop_",
    "pg_log_",
    "pg_logical_",
    "pg_ls_",
    "pg_stat_reset",
    "pg_stat_statements_reset",
    "pg_advisory",
    "pg_try_advisory",
    "pg_sleep",
    "query_to_",
    "cursor_to_",
    "pg_wal_replay_",
    "pg_copy_",
    "pg_import_",
    "pg_sequence_",
)
# Writes are allowed, but not the statements that reach files or the server beyond the database's data.
WRITE_REFUSED = TRANSACTION_CONTROL | {
    "OUTFILE",
    "DUMPFILE",
    "COPY",
    "ATTACH",
    "DETACH",
    "LOAD",
    "INSTALL",
    "UNINSTALL",
    "SHUTDOWN",
    "KILL",
    "LOCK",
    "UNLOCK",
    "VACUUM",
    "PRAGMA",
    "XA",
    "ABORT",
    "GRANT",
    "REVOKE",
    "IMPORT",
    "HANDLER",
}


def single_statement(sql, engine: str) -> list[Token]:
    if not isinstance(sql, str) or not sql.strip():
        raise InvalidArgument("sql must be one SQL statement", field="sql")
    if len(sql) > MAX_SQL:
        raise InvalidArgument(f"sql is longer than {MAX_SQL} characters", field="sql")
    if "\x00" in sql:
        raise InvalidArgument("sql must not contain NUL characters", field="sql")
    tokens = tokenize(sql, engine)
    seen_end = False
    body: list[Token] = []
    for t in tokens:
        if t.kind == "semicolon":
            seen_end = True
            continue
        if seen_end:
            raise SqlRefused("one statement per call: the text holds more than one statement")
        body.append(t)
    if not body:
        raise InvalidArgument("sql must hold a statement", field="sql")
    depth = 0
    for t in body:  # a statement that cannot parse is refused here, before anyone is asked to approve it
        if t.kind == "punct" and t.text in ("(", ")"):
            depth += 1 if t.text == "(" else -1
            if depth < 0:
                break
    if depth != 0:
        raise SqlRefused("the statement does not parse: its parentheses are not balanced")
    return body


def _function_names(tokens: list[Token]) -> list[str]:
    names = []
    for a, b in itertools.pairwise(tokens):
        if b.text == "(" and a.kind in ("word", "ident"):
            names.append(a.text.lower())
    return names


def _risky(name: str) -> bool:
    return name in RISKY_FUNCTIONS or name.startswith(RISKY_PREFIXES)


def _refuse_words(tokens, refused, why: str) -> None:
    """Refuse the first bare (unquoted) word in `refused`; `why` follows "<WORD> is refused"."""
    for t in tokens:
        if t.kind == "word" and t.text.upper() in refused:
            raise SqlRefused(f"{t.text.upper()} is refused{why}")


def _refuse_risky_functions(tokens, beyond: str) -> None:
    for name in _function_names(tokens):
        if _risky(name):
            raise SqlRefused(f"the function {name}() is refused: it reaches beyond {beyond}")


def check_read(sql, engine: str) -> None:
    """Refuse anything but a single reading statement."""
    tokens = single_statement(sql, engine)
    first = tokens[0].text.upper() if tokens[0].kind == "word" else tokens[0].text
    if first not in READ_STARTS[engine] and first != "(":
        raise SqlRefused(
            f"a read must be a {', '.join(sorted(READ_STARTS[engine]))} statement; "
            f"{first[:20]} needs db.write and write=true"
        )
    _refuse_words(
        tokens,
        WRITE_WORDS,
        " in a read; writes need db.write and write=true (quote a column that has this name)",
    )
    _refuse_risky_functions(tokens, "reading the database")


def check_write(sql, engine: str) -> None:
    """One statement that changes data; nothing that reaches files, the server or the transaction itself."""
    tokens = single_statement(sql, engine)
    _refuse_words(
        tokens, WRITE_REFUSED, ": it reaches beyond the database's data or the transaction the tool manages"
    )
    _refuse_risky_functions(tokens, "the database's data")
