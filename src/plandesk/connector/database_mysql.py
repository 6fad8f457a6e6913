"""MariaDB / MySQL for the database tool: grants checked at every connection (SHOW GRANTS, roles followed), reads in
START TRANSACTION READ ONLY with max_statement_time, rows read unbuffered and the connection dropped at the cap."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from plandesk.connector.database import (
    CONNECT_TIMEOUT_S,
    FETCH_BATCH,
    AccountRefused,
    Limits,
    QueryFailed,
    collect,
    rights_unreadable,
    scrub,
)

# A read account needs nothing beyond these; anything else (FILE, SUPER, INSERT, EXECUTE, ALL PRIVILEGES ...)
# lets it read server files, run code as a definer or write.
READ_PRIVILEGES = {"USAGE", "SELECT", "SHOW VIEW", "SHOW DATABASES"}
# A write account may change data and schema in its databases, but never hold these anywhere.
SERVER_PRIVILEGES = {
    "FILE",
    "SUPER",
    "PROXY",
    "GRANT OPTION",
    "SHUTDOWN",
    "CREATE USER",
    "RELOAD",
    "PROCESS",
    "BINLOG ADMIN",
    "CONNECTION ADMIN",
    "READ_ONLY ADMIN",
    "REPLICATION MASTER ADMIN",
    "REPLICATION SLAVE ADMIN",
    "SLAVE MONITOR",
    "REPLICA MONITOR",
    "FEDERATED ADMIN",
    "SET USER",
    "REPLICATION SLAVE",
    "BINLOG REPLAY",
    "CREATE TABLESPACE",
}
_GRANT = re.compile(r"^GRANT (.+?) ON (.+?) TO (.+)$", re.DOTALL)
_ROLE_GRANT = re.compile(r"^GRANT (.+?) TO (.+)$", re.DOTALL)
_QUOTED = re.compile(r"`((?:[^`]|``)*)`")


def params(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
    }


def _connect(url: str, *, timeout_ms: int, unbuffered: bool):
    import pymysql
    import pymysql.cursors

    try:
        # No CLIENT.MULTI_STATEMENTS flag (pymysql's default): the server itself refuses stacked statements.
        return pymysql.connect(
            **params(url),
            connect_timeout=CONNECT_TIMEOUT_S,
            autocommit=False,
            read_timeout=timeout_ms / 1000 + 5,
            write_timeout=timeout_ms / 1000 + 5,
            local_infile=False,
            charset="utf8mb4",
            cursorclass=pymysql.cursors.SSCursor if unbuffered else pymysql.cursors.Cursor,
        )
    except pymysql.Error as exc:
        raise QueryFailed(
            f"could not connect to the database: {scrub(str(exc.args[-1] if exc.args else exc), url)}",
            field="database",
        ) from None


def privileges(lines: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(privilege, object) pairs and the roles granted, from SHOW GRANTS lines."""
    found, roles = [], []
    for line in lines:
        m = _GRANT.match(line)
        if m and not m.group(1).startswith("`"):
            names = re.sub(r"\([^)]*\)", "", m.group(1))  # column lists: SELECT (`a`, `b`)
            found += [(p.strip().upper(), m.group(2).strip()) for p in names.split(",") if p.strip()]
            if "WITH GRANT OPTION" in m.group(3).upper():
                found.append(("GRANT OPTION", m.group(2).strip()))
            continue
        m = _ROLE_GRANT.match(line)
        if m:
            roles += [r.replace("``", "`") for r in _QUOTED.findall(m.group(1))]
    return found, roles


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _grants(cur) -> list[tuple[str, str]]:
    """The account's privileges, with those of every role it could switch on (SET ROLE needs no privilege).

    SHOW GRANTS FOR a role needs SELECT on mysql.*; with the role active, SHOW GRANTS lists the role's
    privileges and those of the roles inside it, so each granted role is switched on in turn and read.
    """
    cur.execute("SHOW GRANTS")
    found, roles = privileges([r[0] for r in cur.fetchall()])
    if roles:
        cur.execute("SELECT CURRENT_ROLE()")
        current = cur.fetchall()[0][0]
        for role in roles[:50]:
            cur.execute(f"SET ROLE {_ident(role)}")
            cur.execute("SHOW GRANTS")
            found += privileges([r[0] for r in cur.fetchall()])[0]
        cur.execute(f"SET ROLE {_ident(current)}" if current else "SET ROLE NONE")
    return found


def _refusals(found: list[tuple[str, str]], *, write: bool) -> list[str]:
    if write:
        bad = {p for p, obj in found if p in SERVER_PRIVILEGES or (p == "ALL PRIVILEGES" and obj == "*.*")}
    else:
        bad = {p for p, _ in found if p not in READ_PRIVILEGES}
    return sorted(bad)


def _vet(cur, *, write: bool) -> str:
    import pymysql

    try:
        cur.execute("SELECT CURRENT_USER()")
        who = cur.fetchall()[0][0]  # fetchall: an unbuffered cursor must read to the end
        found = _grants(cur)
    except pymysql.Error as exc:
        raise rights_unreadable(str(exc.args[-1] if exc.args else exc)) from None
    bad = _refusals(found, write=write)
    if bad:
        extra = (
            "" if write else f"; a read account needs only {', '.join(sorted(READ_PRIVILEGES - {'USAGE'}))}"
        )
        raise AccountRefused(who, write=write, rights=f"holds {', '.join(bad)}{extra}")
    return f"account {who}: no FILE, SUPER or server rights" + ("" if write else ", no write grants")


def vet(url: str, *, write: bool, own=None) -> str:
    conn = _connect(url, timeout_ms=5000, unbuffered=False)
    try:
        return _vet(conn.cursor(), write=write)
    finally:
        conn.close()


def _session(cur, *, write: bool, timeout_ms: int) -> None:
    import pymysql

    cur.execute("SELECT @@SESSION.sql_mode")
    modes = [
        m
        for m in (cur.fetchall()[0][0] or "").split(",")
        if m and m not in ("NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI")
    ]
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


def _batches(cur):
    while batch := cur.fetchmany(FETCH_BATCH):
        yield batch


def _counted(batches, seen: list[int]):
    for batch in batches:
        seen[0] += len(batch)
        yield batch


def run(url: str, sql: str, *, write: bool, limits: Limits, own=None) -> dict:
    import pymysql

    # Plan Desk's own database is SQLite or PostgreSQL, never MariaDB: no identity to compare here.
    # Unbuffered for writes too: rows a write sends back (INSERT ... RETURNING) arrive a batch at a time.
    conn = _connect(url, timeout_ms=limits.timeout_ms, unbuffered=True)
    finished = False
    try:
        cur = conn.cursor()
        _vet(cur, write=write)
        _session(cur, write=write, timeout_ms=limits.timeout_ms)
        cur.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else None
        seen = [0]
        feed = _counted(_batches(cur), seen)
        out = collect(columns, feed, limits)
        if write:
            # Past the cap the rest is read and dropped, never kept: the write must finish before its commit.
            for _ in feed:
                pass
            out["affected_rows"] = seen[0] if columns is not None else max(cur.rowcount, 0)
            conn.commit()
        elif not out["truncated"]:
            conn.rollback()
        finished = not out["truncated"]
        return out
    except pymysql.Error as exc:
        message = str(exc.args[-1] if exc.args else exc)
        if "max_statement_time" in message or "maximum statement execution time" in message.lower():
            message = "the statement ran past its time limit"
        raise QueryFailed(f"the database refused the statement: {message}", field="sql") from None
    finally:
        if finished:
            try:
                conn.rollback()
            except pymysql.Error:
                pass
        else:
            # A read cut short leaves rows on the wire. pymysql would read them all on rollback, cursor close or
            # garbage collection; mark the result finished and drop the socket (the server then stops sending
            # and rolls back).
            result = getattr(conn, "_result", None)
            if result is not None:
                result.unbuffered_active = False
        conn.close()
