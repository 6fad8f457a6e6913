"""Apply Alembic migrations in place and refuse databases newer than this code."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseTooNew(Exception):
    """The database is at a migration this code does not know (the core answers it as `unavailable`)."""


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(db) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@cache
def _migrations() -> tuple[str, frozenset[str]]:
    """The head and every revision this code ships, read once per process (the files do not change)."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head, frozenset(s.revision for s in script.walk_revisions())


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
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _version() -> str:
    from plandesk import __version__

    return __version__
