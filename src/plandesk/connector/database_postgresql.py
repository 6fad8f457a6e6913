"""PostgreSQL for the database tool: account and identity checked at every connection, reads in a read-only
transaction with statement_timeout, rows streamed in chunks (the query is cancelled once the cap is reached)."""

from __future__ import annotations

from itertools import chain

from plandesk.connector.database import (
    CONNECT_TIMEOUT_S,
    AccountRefused,
    Limits,
    OwnDatabase,
    QueryFailed,
    collect,
    rights_unreadable,
    scrub,
)
from plandesk.core.own_database import IDENTITY_SQL

# The cluster's identity (shared by its replicas) and the database's oid in it: the same database however the URL
# spells host, port, user or options.
FILE_ROLES = ("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program")
_ACCOUNT_SQL = """
SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication,
  ARRAY(SELECT g.rolname::text FROM pg_roles g
        WHERE g.rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program',
                            'pg_write_all_data')
          AND pg_has_role(r.oid, g.oid, 'MEMBER') ORDER BY 1),
  EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
            AND ((c.relkind IN ('r', 'p', 'v', 'm', 'f')
                  AND (has_table_privilege(r.oid, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
                       OR has_any_column_privilege(r.oid, c.oid, 'INSERT, UPDATE')))
                 OR (c.relkind = 'S' AND has_sequence_privilege(r.oid, c.oid, 'UPDATE')))),
  EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_%' AND has_schema_privilege(r.oid, n.oid, 'CREATE')),
  has_database_privilege(r.oid, current_database(), 'CREATE')
FROM pg_roles r WHERE r.rolname = current_user
"""


def _connect(url: str, *, write: bool, timeout_ms: int):
    import psycopg

    url = url.replace("postgresql+psycopg://", "postgresql://", 1).replace("postgres://", "postgresql://", 1)
    options = (
        f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms} -c standard_conforming_strings=on"
    )
    if not write:
        # Every transaction of this session starts read-only, so even a smuggled COMMIT lands in another one.
        options += " -c default_transaction_read_only=on"
    try:
        conn = psycopg.connect(
            url,
            connect_timeout=CONNECT_TIMEOUT_S,
            autocommit=False,
            options=options,
            application_name="plandesk-connector",
        )
    except psycopg.Error as exc:
        raise QueryFailed(
            f"could not connect to the database: {scrub(str(exc).splitlines()[0], url)}", field="database"
        ) from None
    conn.read_only = not write
    return conn


def _refusals(row, *, write: bool) -> list[str]:
    _name, superuser, createrole, createdb, replication, roles, table_write, schema_create, db_create = row
    if superuser:
        return ["is a superuser (it reads server files and runs programs)"]
    why = []
    why += [f"is a member of {r}" for r in roles if r in FILE_ROLES]
    if createrole:
        why.append("has CREATEROLE (it can grant itself pg_read_server_files)")
    if replication:
        why.append("has REPLICATION")
    if not write:
        if "pg_write_all_data" in roles:
            why.append("is a member of pg_write_all_data")
        if table_write:
            why.append("may INSERT, UPDATE, DELETE or TRUNCATE a table (or own one)")
        if schema_create:
            why.append("may CREATE in a schema")
        if db_create:
            why.append("may CREATE schemas in the database")
        if createdb:
            why.append("has CREATEDB")
    return why


def _vet(conn, *, write: bool, own) -> str:
    """Refuse an account that can reach past its job, or Plan Desk's own database; say who connected."""
    import psycopg

    try:
        row = conn.execute(_ACCOUNT_SQL).fetchone()
    except psycopg.Error as exc:
        raise rights_unreadable(str(exc).splitlines()[0]) from None
    why = _refusals(row, write=write)
    if why:
        raise AccountRefused(row[0], write=write, rights="; ".join(why))
    if own is not None and own[0] == "postgresql":
        if own[1] is None:  # Plan Desk could not read its own identity: it cannot tell this one apart
            raise OwnDatabase()
        try:
            ident = conn.execute(IDENTITY_SQL).fetchone()
        except psycopg.Error:
            raise OwnDatabase() from None  # cannot tell it apart from Plan Desk's own: refuse
        if ("postgresql", int(ident[0]), int(ident[1])) == own:
            raise OwnDatabase()
    return f"account {row[0]}: no superuser, file or program rights" + ("" if write else ", no write grants")


def vet(url: str, *, write: bool, own=None) -> str:
    conn = _connect(url, write=write, timeout_ms=5000)
    try:
        return _vet(conn, write=write, own=own)
    finally:
        conn.close()


def _columns(cur, conn) -> list[str]:
    if cur.description is not None:
        return [d.name for d in cur.description]
    # No row came back, so psycopg saw no description: ask the server to describe the statement it just ran.
    res = conn.pgconn.describe_prepared(b"")
    encoding = conn.info.encoding
    return [res.fname(i).decode(encoding) for i in range(res.nfields)]


def _read(conn, sql: str, limits: Limits) -> dict:
    import psycopg

    cur = psycopg.RawCursor(conn)
    # The extended protocol (stream always uses it) refuses a second statement in the text; chunked rows mean
    # the server sends a batch at a time and closing the stream early cancels the query.
    size = 100 if psycopg.capabilities.has_stream_chunked() else 1
    rows = cur.stream(sql, size=size)
    try:
        first = next(rows, None)
        columns = _columns(cur, conn)
        batches = chain([[first]] if first is not None else [], ([r] for r in rows))
        return collect(columns, batches, limits)
    finally:
        # psycopg declares stream() an Iterator, but it is a generator: closing it cancels the query.
        rows.close()  # type: ignore[attr-defined]


def _write(conn, sql: str, limits: Limits) -> dict:
    import psycopg

    # Prepared first: the server itself refuses a second statement in the text ("cannot insert multiple commands
    # into a prepared statement"), and the description says whether rows come back (INSERT ... RETURNING).
    prepared = conn.pgconn.prepare(b"", sql.encode(conn.info.encoding))
    if prepared.status != psycopg.pq.ExecStatus.COMMAND_OK:
        message = (prepared.error_message or b"").decode(conn.info.encoding, "replace").strip()
        raise psycopg.Error(message.removeprefix("ERROR:").strip() or "the statement was refused")
    described = conn.pgconn.describe_prepared(b"")
    cur = psycopg.RawCursor(conn)
    if not described.nfields:
        cur.execute(sql, [], prepare=True)
        out = collect(None, [], limits)
        out["affected_rows"] = max(cur.rowcount, 0) if cur.rowcount is not None else None
        return out
    encoding = conn.info.encoding
    columns = [described.fname(i).decode(encoding) for i in range(described.nfields)]
    # Rows stream in chunks as for a read; past the cap they are read and dropped, never kept, because closing
    # the stream early would cancel the statement and so undo the write.
    size = 100 if psycopg.capabilities.has_stream_chunked() else 1
    rows = cur.stream(sql, size=size)
    seen = 0

    def batches():
        nonlocal seen
        for row in rows:
            seen += 1
            yield [row]

    feed = batches()
    out = collect(columns, feed, limits)
    for _ in feed:
        pass
    out["affected_rows"] = seen
    return out


def run(url: str, sql: str, *, write: bool, limits: Limits, own=None) -> dict:
    import psycopg

    conn = _connect(url, write=write, timeout_ms=limits.timeout_ms)
    try:
        _vet(conn, write=write, own=own)
        out = _write(conn, sql, limits) if write else _read(conn, sql, limits)
        if write:
            conn.commit()
        else:
            conn.rollback()
        return out
    except psycopg.Error as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "statement timeout" in message or "canceling statement" in message:
            message = "the statement ran past its time limit"
        raise QueryFailed(f"the database refused the statement: {message}", field="sql") from None
    finally:
        try:
            conn.rollback()
        except psycopg.Error:
            pass
        conn.close()
