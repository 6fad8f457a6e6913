"""The database tool: one statement per call; reads in a read-only transaction on the read URL, writes on the write URL.

What holds a read, from the outside in: every connection first checks its account (no superuser, no rights to
read server files, run programs or write) and that it is not Plan Desk's own database, compared by identity; the
statement runs in a read-only transaction with a server-side time limit; rows are fetched a batch at a time and
the fetch stops at max_rows or MAX_RESULT_BYTES, so a huge result is never buffered; the statement checker
(sql_check) refuses what a read has no business doing, as a second wall.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from plandesk.connector.sql_check import check_read, check_write
from plandesk.core.errors import Conflict, Forbidden, InvalidArgument, NotFound
from plandesk.core.own_database import is_own_database, workspace_identity  # noqa: F401  (the connector's names)

DEFAULT_ROWS = 1000
MAX_ROWS = 10_000
DEFAULT_TIMEOUT_MS = 5000
MAX_TIMEOUT_MS = 60_000
CONNECT_TIMEOUT_S = 5
MAX_CELL_CHARS = 10_000
# What one answer may hold in memory, whatever max_rows says: the fetch stops here and says truncated.
MAX_RESULT_BYTES = 8 * 1024 * 1024
FETCH_BATCH = 200


class QueryFailed(Conflict):
    """The database refused or failed the statement; its message is passed on."""


def rights_unreadable(detail: str) -> QueryFailed:
    """The account's rights could not be read, so they cannot be checked: the connection is not used."""
    return QueryFailed(f"could not read the account's rights: {detail}", field="database")


class AccountRefused(Forbidden):
    """The configured account may do more than this URL is for (read server files, run programs, write)."""

    def __init__(self, account: str, *, write: bool, rights: str):
        """`rights`: what the account may do that it should not, in words that follow its name."""
        super().__init__(
            f"the {'write' if write else 'read'} account {account} {rights}. Connect with a "
            "least-privilege account (docs/connector.md, Database access).",
            field="database",
            reason="privileged_account",
        )


class OwnDatabase(Forbidden):
    def __init__(self):
        super().__init__(
            "this is Plan Desk's own database; a project database must be another one (an agent "
            "reading it would read every token hash and private plan)",
            field="database",
            reason="own_database",
        )


@dataclass(frozen=True)
class Limits:
    rows: int
    timeout_ms: int
    started: float

    @property
    def deadline(self) -> float:
        return self.started + self.timeout_ms / 1000


def find_database(config: dict, name) -> dict:
    # Every refusal names the valid databases, so an agent can correct itself without a second look-up.
    names = [d["name"] for d in config.get("databases", [])]
    hint = (
        f"valid names: {', '.join(names)}"
        if names
        else "this project has no databases (Project → Settings → Code)"
    )
    if not isinstance(name, str) or not name:
        raise InvalidArgument(
            f"database must name one of the project's databases; {hint}", field="database", available=names
        )
    for d in config.get("databases", []):
        if d["name"] == name:
            return d
    err = NotFound("database", name, field="database", available=names)
    err.message = f"{err.message}; {hint}"
    raise err


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


def _size(v) -> int:
    if isinstance(v, (str, bytes, bytearray)):
        return len(v)
    if isinstance(v, memoryview):
        return v.nbytes
    if isinstance(v, (dict, list)):
        return len(str(v))
    return 8


def _limits(max_rows, timeout_ms) -> Limits:
    rows = DEFAULT_ROWS if max_rows is None else max_rows
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
        raise InvalidArgument(f"max_rows must be from 1 to {MAX_ROWS}", field="max_rows")
    ms = DEFAULT_TIMEOUT_MS if timeout_ms is None else timeout_ms
    if isinstance(ms, bool) or not isinstance(ms, int) or not 100 <= ms <= MAX_TIMEOUT_MS:
        raise InvalidArgument(f"timeout_ms must be from 100 to {MAX_TIMEOUT_MS}", field="timeout_ms")
    return Limits(rows, ms, time.monotonic())


def collect(columns: list[str] | None, batches: Iterable[list], limits: Limits) -> dict:
    """Take rows batch by batch until max_rows, the byte cap or the time limit; never more than one batch extra."""
    out: dict = {"columns": columns or [], "rows": [], "row_count": 0, "truncated": False}
    if columns is None:
        return out
    kept, size = out["rows"], 0
    for batch in batches:
        for raw in batch:
            size += sum(_size(v) for v in raw)
            if len(kept) >= limits.rows or size > MAX_RESULT_BYTES:
                out["truncated"] = True
                break
            kept.append([_json_value(v) for v in raw])
        if out["truncated"]:
            break
        if time.monotonic() > limits.deadline:
            raise QueryFailed(
                "the database refused the statement: the statement ran past its time limit", field="sql"
            )
    out["row_count"] = len(kept)
    return out


def run_statement(
    database: dict, sql, *, write: bool = False, max_rows=None, timeout_ms=None, own=None
) -> dict:
    """Run one statement. `own` is Plan Desk's own database identity (workspace_identity), refused as a target."""
    limits = _limits(max_rows, timeout_ms)
    engine = database["engine"]
    url = check_statement(database, sql, write=write)
    result = _runner(engine)(url, sql, write=write, limits=limits, own=own)
    result["duration_ms"] = int((time.monotonic() - limits.started) * 1000)
    return {"database": database["name"], "engine": engine, "mode": "write" if write else "read", **result}


def check_statement(database: dict, sql, *, write: bool) -> str:
    """Refuse what cannot run (no write URL, a statement that does not parse or does not fit the mode)
    before anything connects; answers the URL to use."""
    if write:
        url = database.get("write_url")
        if not url:
            raise InvalidArgument(
                f"database {database['name']!r} has no write URL; writes are not configured", field="write"
            )
        check_write(sql, database["engine"])
        return url
    check_read(sql, database["engine"])
    return database["read_url"]


def check_account(database: dict, *, own=None) -> list[dict]:
    """The connection test for one database: each URL connects, is not Plan Desk's own, and its account fits."""
    from plandesk.connector import database_mysql, database_postgresql, database_sqlite

    module = {"sqlite": database_sqlite, "postgresql": database_postgresql, "mysql": database_mysql}[
        database["engine"]
    ]
    checks = []
    for key, write in (("read_url", False), ("write_url", True)):
        if not database.get(key):
            continue
        try:
            detail = module.vet(database[key], write=write, own=own)
            checks.append({"name": f"database {database['name']} ({key})", "ok": True, "detail": detail})
        except (AccountRefused, OwnDatabase, QueryFailed, NotFound, InvalidArgument) as exc:
            checks.append(
                {"name": f"database {database['name']} ({key})", "ok": False, "detail": exc.message}
            )
    return checks


def _runner(engine: str):
    from plandesk.connector import database_mysql, database_postgresql, database_sqlite

    return {
        "sqlite": database_sqlite.run,
        "postgresql": database_postgresql.run,
        "mysql": database_mysql.run,
    }[engine]


def scrub(message: str, url: str) -> str:
    """A driver's message with any secret from the URL taken out (drivers echo options back)."""
    from urllib.parse import parse_qsl, unquote

    from plandesk.core.connector_config import MASK, SECRET_PARAM

    parts = urlsplit(url)
    secrets = [unquote(parts.password)] if parts.password else []
    secrets += [v for k, v in parse_qsl(parts.query) if SECRET_PARAM.search(k) and v]
    for s in sorted(secrets, key=len, reverse=True):
        message = message.replace(s, MASK)
    return message
