"""Opening a workspace: the database, its migrations, the local owner."""

from __future__ import annotations

from plandesk.core.errors import Unavailable
from plandesk.db import migrate
from plandesk.db.engine import Database
from plandesk.settings import Settings


def open_database(settings: Settings) -> Database:
    return Database(settings.resolved_database_url)


def initialise(settings: Settings) -> Database:
    """Create or upgrade the workspace in place; idempotent. Refuses a database newer than this code."""
    db = open_database(settings)
    try:
        migrate.upgrade(db)
    except migrate.DatabaseTooNew as exc:  # db knows no error codes; the core words it for every adapter
        db.dispose()
        raise Unavailable(str(exc)) from None
    from plandesk.core.users import ensure_local_owner

    ensure_local_owner(db)
    return db


def describe_location(settings: Settings) -> str:
    if settings.is_sqlite:
        return str(settings.data_dir / "workspace.db")
    from plandesk.settings import redact_url

    return redact_url(settings.resolved_database_url)
