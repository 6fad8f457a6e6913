"""What makes Plan Desk's own database itself, so that no project may name it as a connector database.

Compared by identity, not by URL spelling: a SQLite file by (device, inode), a PostgreSQL database by (cluster
system identifier, database oid). The connector refuses the identity at every connection; the core refuses it
when the settings are saved (core/connector_config.py).
"""

from __future__ import annotations

import os
import weakref

IDENTITY_SQL = (
    "SELECT (SELECT system_identifier FROM pg_control_system()), "
    "(SELECT oid FROM pg_database WHERE datname = current_database())"
)
CONNECT_TIMEOUT_S = 5

_IDENTITIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def file_identity(path: str) -> tuple | None:
    """(device, inode): the same file however its path is spelled, through links or hard links."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return ("sqlite", st.st_dev, st.st_ino)


def workspace_identity(db) -> tuple | None:
    """(engine, identity...) of the workspace database, read once per Database."""
    if db not in _IDENTITIES:
        if db.is_sqlite:
            path = db.engine.url.database
            _IDENTITIES[db] = file_identity(path) if path and path != ":memory:" else None
        elif db.dialect == "postgresql":
            from sqlalchemy import text

            try:
                with db.engine.connect() as conn:
                    row = conn.execute(text(IDENTITY_SQL)).one()
                _IDENTITIES[db] = ("postgresql", int(row[0]), int(row[1]))
            except Exception:  # noqa: BLE001  unknown identity: every PostgreSQL target is then refused
                return ("postgresql", None, None)
        else:
            _IDENTITIES[db] = None
    return _IDENTITIES[db]


def postgresql_identity(url: str) -> tuple | None:
    """("postgresql", cluster, oid) of the database this URL reaches, or None when it cannot be reached or read."""
    import psycopg

    url = url.replace("postgresql+psycopg://", "postgresql://", 1).replace("postgres://", "postgresql://", 1)
    try:
        conn = psycopg.connect(
            url,
            connect_timeout=CONNECT_TIMEOUT_S,
            autocommit=True,
            options="-c statement_timeout=5000 -c default_transaction_read_only=on",
            application_name="plandesk-connector",
        )
    except psycopg.Error:
        return None
    try:
        ident = conn.execute(IDENTITY_SQL).fetchone()
    except psycopg.Error:
        return None
    finally:
        conn.close()
    return ("postgresql", int(ident[0]), int(ident[1])) if ident and None not in ident else None


def is_own_database(engine: str, url: str, own) -> bool:
    """Whether a project database URL reaches Plan Desk's own database, by identity. A PostgreSQL URL is
    connected to; one that cannot be reached now is not judged here (every later connection is). SQLite files
    are compared when the settings are cleaned (core/connector_config)."""
    if own is None or engine != own[0]:
        return False
    if engine == "postgresql" and own[1] is not None:  # unknown own identity: every connection refuses anyway
        return postgresql_identity(url) == own
    return False
