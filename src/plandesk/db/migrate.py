"""Apply Alembic migrations in place and refuse databases newer than this code."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration runs: opening a current workspace (every server start and CLI
# call after the first) reads the version row and the file names below, and importing Alembic (with Mako)
# cost more CPU than the rest of the open.
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


class DatabaseTooNew(Exception):
    """The database is at a migration this code does not know (the core answers it as `unavailable`)."""


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(db) -> str | None:
    """The revision in Alembic's version row; None for a database no migration has touched yet."""
    with db.engine.connect() as conn:
        if not conn.dialect.has_table(conn, VERSION_TABLE):
            return None
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


@cache
def _migrations() -> tuple[str, frozenset[str]]:
    """The head and every revision this code ships, read once per process (the files do not change).

    A migration's file name starts with its revision and the revisions count up (0001_initial_schema.py is
    revision 0001, revising nothing; each later one revises the one before), so the names say it without
    loading the scripts; tests/test_core_correctness.py holds this against Alembic's own reading."""
    revisions = frozenset(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    if not revisions:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return max(revisions), revisions


def head_revision() -> str:
    return _migrations()[0]


def check_not_newer(db) -> str | None:
    """The database's revision, unless this code does not know it (DatabaseTooNew)."""
    rev = current_revision(db)
    if rev is not None and rev not in _migrations()[1]:
        raise DatabaseTooNew(
            f"the database is at migration {rev}, which this Plan Desk ({_version()}) does not know: "
            "it was written by a newer Plan Desk. Upgrade Plan Desk (pip install -U plandesk) and retry."
        )
    return rev


def upgrade(db) -> None:
    if check_not_newer(db) == head_revision():
        return  # already current: every server start and workspace open after the first
    from alembic import command

    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _version() -> str:
    from plandesk import __version__

    return __version__
