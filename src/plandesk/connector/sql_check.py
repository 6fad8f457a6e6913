"""Reading a SQL text the way its engine will: one statement only, and for reads no write keyword or risky function.

This is the second wall. The first is the database itself: a read-only transaction on a read URL (ideally an
account without write grants). The tokenizer knows each engine's quoting, so a ';' inside a string or a comment
is not mistaken for a separator, and a separator hidden from a naive check is still found.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from plandesk.core.errors import InvalidArgument

MAX_SQL = 100_000
_WORD = re.compile(r"[^\W\d]\w*", re.UNICODE)
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")

READ_STARTS = {
    "sqlite": {"SELECT", "WITH", "VALUES", "EXPLAIN", "PRAGMA"},
    "postgresql": {"SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN", "SHOW"},
    "mysql": {"SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN", "SHOW", "DESCRIBE", "DESC"},
}
# Words that only a writing or session-changing statement needs. Quoted identifiers are not words, so a
# column really called "update" still works when quoted.
WRITE_WORDS = {
    "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME",
    "GRANT", "REVOKE", "COPY", "INTO", "OUTFILE", "DUMPFILE", "LOCK", "UNLOCK", "CALL", "DO", "EXEC", "EXECUTE",
    "ATTACH", "DETACH", "VACUUM", "REINDEX", "ANALYZE", "ANALYSE", "CLUSTER", "COMMIT", "ROLLBACK", "BEGIN",
    "START", "SAVEPOINT", "RELEASE", "SET", "RESET", "LOAD", "HANDLER", "PREPARE", "DEALLOCATE", "LISTEN",
    "NOTIFY", "UNLISTEN", "DISCARD", "REFRESH", "IMPORT", "FLUSH", "KILL", "SHUTDOWN", "INSTALL", "UNINSTALL",
    "OPTIMIZE", "REPAIR", "CHECKPOINT", "SECURITY", "COMMENT", "PURGE", "RESIGNAL", "SIGNAL", "XA", "ABORT",
}
# Functions that touch files, other connections or server state even inside a read-only transaction.
RISKY_FUNCTIONS = {
    "lo_import", "lo_export", "lo_unlink", "lo_create", "lo_creat", "lo_from_bytea", "lo_put", "lo_truncate",
    "lo_truncate64", "lo_open", "lowrite", "lo_write", "pg_read_file", "pg_read_binary_file", "pg_ls_dir",
    "pg_stat_file", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_logical_emit_message", "set_config",
    "nextval", "setval", "pg_notify", "query_to_xml", "query_to_xml_and_xmlschema", "cursor_to_xml",
    "query_to_xmlschema", "pg_advisory_lock", "pg_advisory_xact_lock", "pg_import_system_collations",
    "pg_current_xact_id", "txid_current", "pg_sleep", "pg_sleep_for", "pg_sleep_until",
    "load_file", "sys_exec", "sys_eval", "get_lock", "release_lock", "release_all_locks", "master_pos_wait",
    "benchmark", "sleep",
    "load_extension", "writefile", "readfile", "edit", "fts3_tokenizer", "zipfile",
}
RISKY_PREFIXES = ("dblink", "pg_file_", "pg_write", "lo_", "pg_create_", "pg_drop_", "pg_replication_",
                  "pg_backup_", "pg_start_", "pg_stop_", "pg_log_")
# Writes are allowed, but not the statements that reach files or the server beyond the database's data.
WRITE_REFUSED = {"OUTFILE", "DUMPFILE", "COPY", "ATTACH", "DETACH", "LOAD", "INSTALL", "UNINSTALL",
                 "SHUTDOWN", "KILL", "COMMIT", "ROLLBACK", "BEGIN", "START", "SAVEPOINT", "RELEASE", "LOCK",
                 "UNLOCK", "VACUUM", "PRAGMA", "XA", "ABORT", "GRANT", "REVOKE", "IMPORT", "HANDLER"}


@dataclass(frozen=True)
class Token:
    kind: str  # word | ident (quoted identifier) | string | number | punct | semicolon
    text: str


class SqlRefused(InvalidArgument):
    def __init__(self, message: str):
        super().__init__(message, field="sql")


def tokenize(sql: str, engine: str) -> list[Token]:
    """Tokens as the engine reads them; comments dropped. Anything unterminated or ambiguous is refused."""
    out: list[Token] = []
    i, n = 0, len(sql)
    mysql, pg = engine == "mysql", engine == "postgresql"
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
            continue
        if sql.startswith("--", i):
            # MySQL only starts a comment at "-- " (dash dash whitespace); "--x" is two minus signs there.
            if mysql and i + 2 < n and not sql[i + 2].isspace() and not ord(sql[i + 2]) < 32:
                out.append(Token("punct", "-"))
                i += 1
                continue
            j = sql.find("\n", i)
            i = n if j == -1 else j + 1
            continue
        if c == "#" and mysql:
            j = sql.find("\n", i)
            i = n if j == -1 else j + 1
            continue
        if sql.startswith("/*", i):
            if mysql and (sql.startswith("/*!", i) or sql.startswith("/*M!", i) or sql.startswith("/*+", i)):
                raise SqlRefused("MySQL executable comments (/*! ... */) are refused")
            depth, j = 1, i + 2
            while j < n and depth:
                if pg and sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            if depth:
                raise SqlRefused("the SQL has an unterminated /* comment")
            i = j
            continue
        if c == "'" or (c == '"' and mysql):
            backslash = mysql
            if pg and out and out[-1].kind == "word" and out[-1].text in ("E", "e") and sql[i - 1] in "Ee":
                backslash = True  # E'...' is PostgreSQL's escape string form
                out.pop()
            i, text = _quoted(sql, i, c, backslash)
            out.append(Token("string", text))
            continue
        if c in '"`' or (c == "[" and engine == "sqlite"):
            close = "]" if c == "[" else c
            i, text = _quoted(sql, i, c, False, close=close)
            out.append(Token("ident", text))
            continue
        if c == "$" and pg:
            m = _DOLLAR_TAG.match(sql, i)
            if m and not (out and out[-1].kind == "word" and sql[i - 1:i].isalnum()):
                tag = m.group(0)
                end = sql.find(tag, m.end())
                if end == -1:
                    raise SqlRefused("the SQL has an unterminated $$ string")
                out.append(Token("string", sql[m.end():end]))
                i = end + len(tag)
                continue
        m = _WORD.match(sql, i)
        if m:
            j = m.end()
            while j < n and sql[j] == "$":  # PostgreSQL and MySQL allow $ inside names
                m2 = _WORD.match(sql, j + 1) or re.compile(r"\w*").match(sql, j + 1)
                j = m2.end()
            out.append(Token("word", sql[i:j]))
            i = j
            continue
        m = _NUMBER.match(sql, i)
        if m:
            out.append(Token("number", m.group(0)))
            i = m.end()
            continue
        out.append(Token("semicolon" if c == ";" else "punct", c))
        i += 1
    return out


def _quoted(sql: str, i: int, quote: str, backslash: bool, close: str | None = None) -> tuple[int, str]:
    close = close or quote
    j, n = i + 1, len(sql)
    buf = []
    while j < n:
        ch = sql[j]
        if backslash and ch == "\\":
            buf.append(sql[j:j + 2])
            j += 2
            continue
        if ch == close:
            if close != "]" and j + 1 < n and sql[j + 1] == close:  # doubled quote: a literal quote
                buf.append(ch)
                j += 2
                continue
            return j + 1, "".join(buf)
        buf.append(ch)
        j += 1
    raise SqlRefused("the SQL has an unterminated quoted string or identifier")


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
    return body


def _function_names(tokens: list[Token]) -> list[str]:
    names = []
    for a, b in itertools.pairwise(tokens):
        if b.text == "(" and a.kind in ("word", "ident"):
            names.append(a.text.lower())
    return names


def _risky(name: str) -> bool:
    return name in RISKY_FUNCTIONS or name.startswith(RISKY_PREFIXES)


def check_read(sql, engine: str) -> None:
    """Refuse anything but a single reading statement."""
    tokens = single_statement(sql, engine)
    first = tokens[0].text.upper() if tokens[0].kind == "word" else tokens[0].text
    if first not in READ_STARTS[engine] and first != "(":
        raise SqlRefused(f"a read must be a {', '.join(sorted(READ_STARTS[engine]))} statement; "
                         f"{first[:20]} needs db.write and write=true")
    for t in tokens:
        if t.kind == "word" and t.text.upper() in WRITE_WORDS:
            raise SqlRefused(f"{t.text.upper()} is refused in a read; writes need db.write and write=true "
                             "(quote a column that has this name)")
    for name in _function_names(tokens):
        if _risky(name):
            raise SqlRefused(f"the function {name}() is refused: it reaches beyond reading the database")


def check_write(sql, engine: str) -> None:
    """One statement that changes data; nothing that reaches files, the server or the transaction itself."""
    tokens = single_statement(sql, engine)
    for t in tokens:
        if t.kind == "word" and t.text.upper() in WRITE_REFUSED:
            raise SqlRefused(f"{t.text.upper()} is refused: it reaches beyond the database's data or the "
                             "transaction the tool manages")
    for name in _function_names(tokens):
        if _risky(name):
            raise SqlRefused(f"the function {name}() is refused: it reaches beyond the database's data")
